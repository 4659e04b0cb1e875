# completion/crashctl.bash: bash completion for crashctl(1), installed as
# .../bash-completion/completions/crashctl (bash-completion loads it on
# the first <Tab> after "crashctl"). Commands, each command's options (the
# same as its --help and man/crashctl.1.scd; tests/install checks all
# three agree), crash IDs and COMM=PROGRAM where a MATCH goes, dump files
# where a DUMP goes.

# crashctl list --no-legend: ID, TIME (four words: "Sun 2026-11-22
# 07:16:20 UTC"), PID, UID, SIG, PROGRAM, SIGNATURE.
_crashctl_list_field_id=1
_crashctl_list_field_program=9

# The stored crashes' table, asked of the crashctl being completed, with
# the connection options already on the line (--dir and the others).
_crashctl_table() {
        local crashctl=$1
        shift
        # A crashctl from before --no-legend answers 2 (a bad command
        # line): its plain table serves, the header is skipped below.
        "$crashctl" list --no-legend --no-pager "$@" 2>/dev/null ||
                { [[ $? == 2 ]] && "$crashctl" list "$@" 2>/dev/null; }
}

# Crash IDs (or, with $2 = program, program names) for a MATCH.
_crashctl_crashes() {
        local crashctl=$1 what=$2 field
        shift 2
        [[ $what == program ]] && field=$_crashctl_list_field_program || field=$_crashctl_list_field_id
        _crashctl_table "$crashctl" "$@" |
                awk -v f="$field" -v id="$_crashctl_list_field_id" '$id ~ /^[0-9]+$/ && NF >= f { print $f }' |
                sort -u
}

_crashctl() {
        local cur prev words cword
        # bash-completion keeps "COMM=x" one word; without it (or with only
        # COMP_WORDS set) readline's word breaks split it at the '='.
        if declare -F _get_comp_words_by_ref >/dev/null && [[ -n ${COMP_LINE-} ]]; then
                _get_comp_words_by_ref -n =: cur prev words cword
        else
                words=("${COMP_WORDS[@]}")
                cword=$COMP_CWORD
                cur=${words[cword]}
                prev=${words[cword - 1]}
        fi

        local commands='info symbolicate list show dump export gdb debug groups status web setup-core-handler'
        local connection='--dir --socket --state-dir --no-daemon'
        local -A opts=(
                [info]='-j --json -v --verbose'
                [symbolicate]='-f --format -d --debug-dir -s --sysroot -m --mask --no-mask -r --raw --no-system-debug --debuginfod-timeout --max-frames'
                [list]='-S --since -U --until -r --reverse -n --last --no-legend -q --quiet -u --user -p --program -s --signal --tag --build-id --group --json --no-pager'
                [show]='--json --no-pager'
                [dump]='-o --output'
                [export]='--core -o --output'
                [gdb]='--debugger -A --debugger-arguments -d --debug-dir -s --sysroot'
                [debug]='--debugger -A --debugger-arguments -d --debug-dir -s --sysroot'
                [groups]='--json'
                [status]='--json'
                [web]='--token --json'
                [setup-core-handler]='--undo --handler --handler-args --state'
        )
        # What follows each command's last option: a MATCH, a DUMP file, or
        # nothing.
        local -A args=(
                [info]=match-dump [symbolicate]=match-dump [export]=match-dump
                [show]=match [dump]=match [gdb]=match [debug]=match [list]=match
        )
        local i cmd= crashctl=${words[0]:-crashctl} conn=()

        # The command is the first word that is not an option; connection
        # options already given are passed on to `crashctl list`.
        for ((i = 1; i < cword; i++)); do
                case ${words[i]} in
                --dir | --socket | --state-dir)
                        [[ -n $cmd ]] && conn+=("${words[i]}" "${words[i + 1]}")
                        ((i++))
                        ;;
                --dir=* | --socket=* | --state-dir=* | --no-daemon)
                        [[ -n $cmd ]] && conn+=("${words[i]}")
                        ;;
                -*) ;;
                *)
                        if [[ -z $cmd ]]; then
                                cmd=${words[i]}
                        fi
                        ;;
                esac
        done

        if [[ -z $cmd ]]; then
                if [[ $cur == -* ]]; then
                        COMPREPLY=($(compgen -W '-h --help -V --version' -- "$cur"))
                else
                        COMPREPLY=($(compgen -W "$commands" -- "$cur"))
                fi
                return 0
        fi

        # The argument of the option before the cursor.
        case $prev in
        -s)
                if [[ $cmd == symbolicate ]]; then      # --sysroot there
                        COMPREPLY=($(compgen -d -- "$cur"))
                        compopt -o filenames 2>/dev/null
                else
                        COMPREPLY=($(compgen -W 'SEGV BUS FPE ILL ABRT TRAP SYS' -- "$cur"))
                fi
                return 0
                ;;
        --signal)
                COMPREPLY=($(compgen -W 'SEGV BUS FPE ILL ABRT TRAP SYS' -- "$cur"))
                return 0
                ;;
        --dir | --state-dir | -d | --debug-dir | --sysroot)
                COMPREPLY=($(compgen -d -- "$cur"))
                compopt -o filenames 2>/dev/null
                return 0
                ;;
        --socket | -o | --output)
                COMPREPLY=($(compgen -f -- "$cur"))
                compopt -o filenames 2>/dev/null
                return 0
                ;;
        -f | --format)
                COMPREPLY=($(compgen -W 'text json sentry' -- "$cur"))
                return 0
                ;;
        --debugger)
                COMPREPLY=($(compgen -W 'gdb lldb' -- "$cur"))
                return 0
                ;;
        -u | --user)
                COMPREPLY=($(compgen -u -- "$cur"))
                return 0
                ;;
        -p | --program)
                COMPREPLY=($(compgen -W "$(_crashctl_crashes "$crashctl" program "${conn[@]}")" -- "$cur"))
                return 0
                ;;
        --since | --until)
                COMPREPLY=($(compgen -W 'today yesterday now -1h -1d -1w' -- "$cur"))
                return 0
                ;;
        -S | -n | --last | --tag | --build-id | --group | -m | --mask | -A | --debuginfod-timeout | --max-frames)
                return 0        # free text
                ;;
        esac

        if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "${opts[$cmd]-} $connection -h --help" -- "$cur"))
                return 0
        fi

        local kind=${args[$cmd]-}
        [[ -n $kind ]] || return 0

        # COMM=NAME and EXE=PATH. With '=' one of readline's word breaks
        # (its default), only the part after the '=' is replaced.
        local key= val=
        if [[ $cur == *=* ]]; then
                key=${cur%%=*}
                val=${cur#*=}
        elif [[ $prev == = ]]; then
                key=${words[cword - 2]}
                val=$cur
        fi
        if [[ -n $key ]]; then
                case $key in
                COMM)
                        COMPREPLY=($(compgen -W "$(_crashctl_crashes "$crashctl" program "${conn[@]}")" -- "$val"))
                        ;;
                EXE)
                        COMPREPLY=($(compgen -f -- "$val"))
                        compopt -o filenames 2>/dev/null
                        ;;
                esac
                if [[ $cur == *=* && $COMP_WORDBREAKS != *=* ]]; then
                        COMPREPLY=("${COMPREPLY[@]/#/$key=}")
                fi
                return 0
        fi

        COMPREPLY=($(compgen -W "$(_crashctl_crashes "$crashctl" id "${conn[@]}")" -- "$cur"))
        # The selectors, once a letter of theirs is typed.
        if [[ -n $cur ]]; then
                local sel
                for sel in COMM= EXE=; do
                        if [[ $sel == "$cur"* ]]; then
                                COMPREPLY+=("$sel")
                                compopt -o nospace 2>/dev/null
                        fi
                done
        fi
        if [[ $kind == match-dump ]]; then
                # Dump files, and directories to find them in.
                local f
                while IFS= read -r f; do
                        [[ -d $f || $f == *.dmp || $f == *.dmp.zst ]] && COMPREPLY+=("$f")
                done < <(compgen -f -- "$cur")
                compopt -o filenames 2>/dev/null
        fi
        return 0
}

complete -F _crashctl crashctl
