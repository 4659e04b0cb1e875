/* SPDX-License-Identifier: MIT */
/* symbolicate/cxx-parser.c: which C++ names gdb's own name parser takes,
 * for the frame names of a backtrace.
 *
 * gdb 13 names a C++ frame by its symbol's print name less the parameters
 * (find_frame_funname, gdb/stack.c): cp_remove_params (gdb/cp-support.c)
 * parses the name with cp_demangled_name_to_comp (gdb/cp-name-parser.y)
 * and prints the function part of the tree again. When the parser rejects
 * the name, or the tree is not a plain function (a DEMANGLE_COMPONENT_
 * TYPED_NAME once the method's cv-qualifiers are off: a local name
 * "f()::Local::run(int)" is a LOCAL_NAME), it returns NULL and gdb prints
 * the whole name, parameters included.
 *
 * The grammar covers what the demangler of its day printed, and not all of
 * that. It rejects, among others:
 *   - braces: "{lambda(int)#1}", "{unnamed type#1}", and '#';
 *   - brackets other than array bounds: "[abi:cxx11]", "[clone .cold]";
 *   - a function type that is not behind a pointer or reference
 *     declarator: "std::function<int (int)>" (direct_abstract_declarator
 *     leaves out a bare function_arglist), hence "decltype (nullptr)"
 *     and "decltype (...)" too;
 *   - empty template arguments "f<>()" and a parameter list of only
 *     "...";
 *   - anything after a parameter list but const, volatile and restrict:
 *     ref-qualifiers "() &", "noexcept" in a function type;
 *   - the keywords struct, class, union, enum and template, string
 *     literals, "operator<=>" and "::<" (GCC's DWARF "<lambda(int)>").
 * It takes "(anonymous namespace)", "$_0", function and member pointers
 * "void (*)(int)", "int (K::*)(int)", array references "int (&) [3]",
 * operators, conversions "operator bool", casts "(char)97" and the other
 * literals and expressions the demangler prints in template arguments.
 *
 * This is a recognizer of that language written from the grammar's rules,
 * a recursive descent over tokens cut as gdb's lexer (yylex) cuts them; it
 * builds no tree. Names gdb takes print again as the demangler printed
 * them, so the name is the text before its parameter list. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cxx-names.h"

/* Template arguments and declarators nest no deeper in real names; a
 * hostile one past it is "not taken", which only keeps its parameters. */
#define PARSE_DEPTH_MAX 64

enum {
        T_END = 256,
        T_ERROR,        /* what yylex calls an error, and tokens no rule uses */
        T_NAME,
        T_NUMBER,       /* INT and FLOAT, character constants */
        T_COLONCOLON,
        T_ELLIPSIS,
        T_ARROW,
        T_ANDAND,
        T_OROR,
        T_LSH,
        T_RSH,
        T_EQUAL,
        T_NOTEQUAL,
        T_LEQ,
        T_GEQ,
        T_INCREMENT,
        T_DECREMENT,
        T_ASSIGN_MODIFY,
        T_OPERATOR,
        T_CONST,
        T_VOLATILE,
        T_RESTRICT,
        T_INT_PART,     /* int, signed, unsigned, char, short */
        T_LONG,
        T_FLOAT,
        T_DOUBLE,
        T_BOOL,
        T_WCHAR,
        T_VOID,
        T_NEW,
        T_DELETE,
        T_SIZEOF,
        T_TRUE,
        T_FALSE,
        T_CAST,         /* static_cast, dynamic_cast, reinterpret_cast */
};

struct tok {
        int kind;
        size_t start;
};

struct parse {
        const struct tok *t;
        size_t i;
        int depth;
        bool bad;       /* a construct began and cannot end: no way back */
};

static bool is_ident_start(unsigned char c) {
        return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static bool is_ident(unsigned char c) {
        return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_alnum(unsigned char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool starts(const char *s, const char *w) {
        return strncmp(s, w, strlen(w)) == 0;
}

/* A keyword of yylex, by the word at s of length n; T_NAME otherwise. The
 * demangler's special names ("vtable for ", "non-virtual thunk to ") and
 * the keywords no rule uses are T_ERROR: they are never a plain
 * function. */
static int keyword(const char *s, size_t n) {
        static const struct {
                const char *w;
                int kind;
        } words[] = {
                { "operator", T_OPERATOR }, { "const", T_CONST }, { "volatile", T_VOLATILE },
                { "restrict", T_RESTRICT }, { "int", T_INT_PART }, { "signed", T_INT_PART },
                { "unsigned", T_INT_PART }, { "char", T_INT_PART }, { "short", T_INT_PART },
                { "long", T_LONG }, { "float", T_FLOAT }, { "double", T_DOUBLE }, { "bool", T_BOOL },
                { "wchar_t", T_WCHAR }, { "void", T_VOID }, { "new", T_NEW }, { "delete", T_DELETE },
                { "sizeof", T_SIZEOF }, { "true", T_TRUE }, { "false", T_FALSE },
                { "static_cast", T_CAST }, { "dynamic_cast", T_CAST }, { "reinterpret_cast", T_CAST },
                { "struct", T_ERROR }, { "class", T_ERROR }, { "union", T_ERROR }, { "enum", T_ERROR },
                { "template", T_ERROR },
        };
        static const char *const specials[] = {
                "construction vtable for ", "covariant return thunk to ", "reference temporary for ",
                "typeinfo for ", "typeinfo fn for ", "typeinfo name for ", "virtual thunk to ",
                "global constructors keyed to ", "global destructors keyed to ", "vtable for ",
                "guard variable for ", "VTT for ", "non-virtual thunk to ",
        };

        for (size_t k = 0; k < sizeof(specials) / sizeof(specials[0]); k++) {
                size_t w = 0;

                while (is_ident((unsigned char) specials[k][w]))
                        w++;
                if (w == n && starts(s, specials[k]))
                        return T_ERROR;
        }
        for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
                if (strlen(words[k].w) == n && memcmp(s, words[k].w, n) == 0)
                        return words[k].kind;
        return T_NAME;
}

/* A number as yylex takes it; parse_number refuses an integer whose
 * suffix is not u and l letters. Returns its end, or NULL. */
static const char *number(const char *s) {
        const char *p = s;
        bool hex = false, got_dot = false, got_e = false;

        if (*p == '-')
                p++;
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
                p += 2;
                hex = true;
        }
        for (;; p++) {
                if (!hex && !got_e && (*p == 'e' || *p == 'E'))
                        got_dot = got_e = true;
                else if (!got_dot && *p == '.')
                        got_dot = true;
                else if (got_e && (p[-1] == 'e' || p[-1] == 'E') && (*p == '-' || *p == '+'))
                        continue;
                else if (!is_alnum((unsigned char) *p))
                        break;
        }
        if (!got_dot) {
                const char *d = s + (*s == '-') + (hex ? 2 : 0);

                while (d < p && (hex ? is_alnum((unsigned char) *d) && strchr("0123456789abcdefABCDEF", *d)
                                     : *d >= '0' && *d <= '9'))
                        d++;
                while (d < p && strchr("uUlL", *d))
                        d++;
                if (d != p)
                        return NULL;
        }
        return p;
}

/* The next token at *s; *s moves past it. */
static int lex(const char **s, size_t *start, const char *base) {
        static const struct {
                const char *op;
                int kind;
        } ops[] = {
                /* longest first, as HANDLE_TOKEN3 before HANDLE_TOKEN2 */
                { "<<=", T_ASSIGN_MODIFY }, { ">>=", T_ASSIGN_MODIFY }, { "...", T_ELLIPSIS },
                { "-=", T_ASSIGN_MODIFY }, { "+=", T_ASSIGN_MODIFY }, { "*=", T_ASSIGN_MODIFY },
                { "/=", T_ASSIGN_MODIFY }, { "%=", T_ASSIGN_MODIFY }, { "|=", T_ASSIGN_MODIFY },
                { "&=", T_ASSIGN_MODIFY }, { "^=", T_ASSIGN_MODIFY }, { "--", T_DECREMENT },
                { "->", T_ARROW }, { "++", T_INCREMENT }, { "||", T_OROR }, { "&&", T_ANDAND },
                { "!=", T_NOTEQUAL }, { "<=", T_LEQ }, { "<<", T_LSH }, { ">=", T_GEQ }, { ">>", T_RSH },
                { "==", T_EQUAL }, { "::", T_COLONCOLON }, { "-in-", T_ERROR },
        };
        const char *p = *s;

        while (*p == ' ' || *p == '\t' || *p == '\n')
                p++;
        *start = (size_t) (p - base);
        if (!*p) {
                *s = p;
                return T_END;
        }
        if (starts(p, "(anonymous namespace)")) {
                *s = p + 21;
                return T_NAME;
        }
        if (*p == '\'') {
                /* 'a', '\n', '\177': a character constant, an INT */
                const char *q = p + 1;

                if (*q == '\\') {
                        q++;
                        if (*q >= '0' && *q <= '7')
                                while (*q >= '0' && *q <= '7')
                                        q++;
                        else if (*q)
                                q++;
                } else if (*q && *q != '\'')
                        q++;
                else
                        return T_ERROR;
                if (*q != '\'')
                        return T_ERROR;
                *s = q + 1;
                return T_NUMBER;
        }
        if ((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9') ||
            (*p == '-' && p[1] >= '0' && p[1] <= '9')) {
                const char *e = number(p);

                if (!e)
                        return T_ERROR;
                *s = e;
                return T_NUMBER;
        }
        for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
                if (starts(p, ops[k].op)) {
                        *s = p + strlen(ops[k].op);
                        return ops[k].kind;
                }
        if (strchr("()[],.+-*/%|&^!<>=:?@~{}", *p)) {
                *s = p + 1;
                return (unsigned char) *p;
        }
        if (is_ident_start((unsigned char) *p)) {
                const char *q = p;

                while (is_ident((unsigned char) *q))
                        q++;
                *s = q;
                return keyword(p, (size_t) (q - p));
        }
        return T_ERROR;         /* '"', '#', ';' and the like */
}

static int tk(const struct parse *ps) {
        return ps->bad ? T_ERROR : ps->t[ps->i].kind;
}

static int next_tk(const struct parse *ps) {
        return tk(ps) == T_END || ps->bad ? T_END : ps->t[ps->i + 1].kind;
}

static bool accept(struct parse *ps, int kind) {
        if (tk(ps) != kind)
                return false;
        ps->i++;
        return true;
}

/* Gives up on the whole name: no rule goes on from here. */
static bool fail(struct parse *ps) {
        ps->bad = true;
        return false;
}

static bool deeper(struct parse *ps) {
        if (++ps->depth > PARSE_DEPTH_MAX)
                return fail(ps);
        return true;
}

static bool type(struct parse *ps);
static bool template_params(struct parse *ps);
static bool function_arglist(struct parse *ps);
static bool exp_(struct parse *ps);

/* qualifiers_opt */
static void qualifiers(struct parse *ps) {
        while (accept(ps, T_CONST) || accept(ps, T_VOLATILE) || accept(ps, T_RESTRICT))
                ;
}

/* builtin_type: int_seq, or one of the other words; "long double". */
static bool builtin_type(struct parse *ps) {
        if (tk(ps) == T_LONG && next_tk(ps) == T_DOUBLE) {
                ps->i += 2;
                return true;
        }
        if (tk(ps) == T_INT_PART || tk(ps) == T_LONG) {
                while (accept(ps, T_INT_PART) || accept(ps, T_LONG))
                        ;
                return true;
        }
        return accept(ps, T_FLOAT) || accept(ps, T_DOUBLE) || accept(ps, T_BOOL) || accept(ps, T_WCHAR) ||
               accept(ps, T_VOID);
}

/* NAME or templ: NAME '<' template_params '>' */
static bool scope_id(struct parse *ps) {
        if (!accept(ps, T_NAME))
                return false;
        if (accept(ps, '<'))
                return template_params(ps);
        return true;
}

/* name: (NAME | templ) ('::' (NAME | templ))*, as in a type. */
static bool name(struct parse *ps) {
        if (!scope_id(ps))
                return false;
        while (tk(ps) == T_COLONCOLON && next_tk(ps) == T_NAME) {
                ps->i++;
                if (!scope_id(ps))
                        return false;
        }
        return true;
}

/* typespec_2: qualifiers around a builtin type or a name. */
static bool typespec(struct parse *ps) {
        qualifiers(ps);
        if (!builtin_type(ps)) {
                accept(ps, T_COLONCOLON);
                if (!name(ps))
                        return fail(ps);
        }
        qualifiers(ps);
        return true;
}

/* ptr_operator: '*' qualifiers, '&', '&&', or a member pointer's
 * "ns::K::*" qualifiers. False, nothing taken, when there is none. */
static bool ptr_operator(struct parse *ps) {
        size_t save = ps->i;

        if (accept(ps, '*')) {
                qualifiers(ps);
                return true;
        }
        if (accept(ps, '&') || accept(ps, T_ANDAND))
                return true;
        accept(ps, T_COLONCOLON);
        while (tk(ps) == T_NAME) {
                if (!scope_id(ps) || !accept(ps, T_COLONCOLON))
                        break;
                if (accept(ps, '*')) {
                        qualifiers(ps);
                        return true;
                }
        }
        if (!ps->bad)
                ps->i = save;
        return false;
}

static bool array_indicator(struct parse *ps) {
        if (!accept(ps, '['))
                return false;
        accept(ps, T_NUMBER);
        return accept(ps, ']') || fail(ps);
}

static bool starts_declarator(int kind) {
        return kind == '*' || kind == '&' || kind == T_ANDAND || kind == '(' || kind == '[' || kind == T_NAME ||
               kind == T_COLONCOLON;
}

/* abstract_declarator: pointers, then '(' abstract_declarator ')' or an
 * array bound, followed by parameter lists and bounds. A bare parameter
 * list is not one (gdb leaves function types out): "int (int)" ends at
 * "int". False, nothing taken, when there is none. */
static bool abstract_declarator(struct parse *ps) {
        bool any = false, direct = false;

        if (!deeper(ps))
                return false;
        while (ptr_operator(ps))
                any = true;
        if (tk(ps) == '(' && starts_declarator(next_tk(ps))) {
                /* "(*)", "(&)", "(K::*)" */
                size_t save = ps->i;

                ps->i++;
                if (!abstract_declarator(ps)) {
                        if (ps->bad)
                                return false;
                        ps->i = save;   /* "(decltype(...))": not ours */
                        ps->depth--;
                        return any;
                }
                if (!accept(ps, ')'))
                        return fail(ps);
                direct = true;
        } else if (tk(ps) == '[') {
                array_indicator(ps);
                direct = true;
        }
        while (direct && !ps->bad && (tk(ps) == '(' || tk(ps) == '['))
                if (tk(ps) == '(' ? !function_arglist(ps) : !array_indicator(ps))
                        return fail(ps);
        ps->depth--;
        return !ps->bad && (any || direct);
}

/* type: typespec_2 abstract_declarator? */
static bool type(struct parse *ps) {
        if (!typespec(ps))
                return false;
        if (starts_declarator(tk(ps)))
                abstract_declarator(ps);
        return !ps->bad;
}

/* function_arglist: "()", "(void)" or the types, "..." last, then the
 * method's qualifiers. */
static bool function_arglist(struct parse *ps) {
        if (!accept(ps, '(') || !deeper(ps))
                return fail(ps);
        if (tk(ps) == T_VOID && next_tk(ps) == ')')
                ps->i++;
        if (accept(ps, ')')) {
                qualifiers(ps);
                ps->depth--;
                return true;
        }
        if (!type(ps))
                return fail(ps);
        while (accept(ps, ','))
                if (!accept(ps, T_ELLIPSIS) && !type(ps))
                        return fail(ps);
        if (!accept(ps, ')'))
                return fail(ps);
        qualifiers(ps);
        ps->depth--;
        return true;
}

static bool starts_exp(int kind) {
        return kind == '(' || kind == '-' || kind == '!' || kind == '~' || kind == T_NUMBER || kind == T_TRUE ||
               kind == T_FALSE || kind == T_SIZEOF || kind == T_CAST;
}

/* exp1: exp, "exp > exp" (a '>' only inside parentheses), or "&" start. */
static bool exp1(struct parse *ps) {
        if (accept(ps, '&')) {
                if (accept(ps, '('))
                        return type(ps) && (accept(ps, ')') || fail(ps));
                return type(ps);
        }
        if (!exp_(ps))
                return false;
        if (accept(ps, '>'))
                return exp_(ps);
        return true;
}

/* A unary expression: a literal, a cast, a parenthesized exp1. */
static bool unary(struct parse *ps) {
        if (!deeper(ps))
                return false;
        if (accept(ps, '-') || accept(ps, '!') || accept(ps, '~')) {
                bool ok = unary(ps);

                ps->depth--;
                return ok;
        }
        if (accept(ps, T_NUMBER) || accept(ps, T_TRUE) || accept(ps, T_FALSE)) {
                ps->depth--;
                return true;
        }
        if (accept(ps, T_SIZEOF)) {
                if (!accept(ps, '(') || !type(ps) || !accept(ps, ')'))
                        return fail(ps);
                ps->depth--;
                return true;
        }
        if (accept(ps, T_CAST)) {
                if (!accept(ps, '<') || !type(ps) || !accept(ps, '>') || !accept(ps, '(') || !exp1(ps) ||
                    !accept(ps, ')'))
                        return fail(ps);
                ps->depth--;
                return true;
        }
        if (tk(ps) == '(') {
                /* "(char)97": '(' type ')' exp; else '(' exp1 ')' */
                struct parse cast = *ps;

                cast.i++;
                if (type(&cast) && accept(&cast, ')') && starts_exp(tk(&cast)) && unary(&cast)) {
                        *ps = cast;
                        ps->depth--;
                        return true;
                }
                ps->i++;
                if (!exp1(ps) || !accept(ps, ')'))
                        return fail(ps);
                ps->depth--;
                return true;
        }
        return fail(ps);
}

/* exp: unary expressions between binary operators ('>' excepted, as
 * in a template argument list), member accesses, the conditional. */
static bool exp_(struct parse *ps) {
        static const int binary[] = { '*', '/', '%', '+', '-', T_LSH, T_RSH, T_EQUAL, T_NOTEQUAL, T_LEQ,
                                      T_GEQ, '<', '&', '^', '|', T_ANDAND, T_OROR };

        if (!unary(ps))
                return false;
        for (;;) {
                size_t k;

                for (k = 0; k < sizeof(binary) / sizeof(binary[0]) && tk(ps) != binary[k]; k++)
                        ;
                if (k < sizeof(binary) / sizeof(binary[0])) {
                        ps->i++;
                        if (!unary(ps))
                                return false;
                } else if (accept(ps, T_ARROW) || accept(ps, '.')) {
                        if (!accept(ps, T_NAME))
                                return fail(ps);
                } else if (accept(ps, '?')) {
                        if (!exp_(ps) || !accept(ps, ':') || !exp_(ps))
                                return fail(ps);
                } else
                        return true;
        }
}

/* template_arg: a type, "&" start, or an expression. */
static bool template_arg(struct parse *ps) {
        if (accept(ps, '&')) {
                bool paren = accept(ps, '(');

                if (!type(ps))
                        return false;
                if (tk(ps) == '(' && !function_arglist(ps))
                        return false;
                return !paren || accept(ps, ')') || fail(ps);
        }
        if (starts_exp(tk(ps)))
                return exp_(ps);
        return type(ps);
}

/* template_params '>', the '<' taken: one argument at least. */
static bool template_params(struct parse *ps) {
        if (!deeper(ps))
                return false;
        do
                if (!template_arg(ps))
                        return fail(ps);
        while (accept(ps, ','));
        if (!accept(ps, '>'))
                return fail(ps);
        ps->depth--;
        return true;
}

/* The operator after OPERATOR (oper, with template arguments), or a
 * conversion's type (conversion_op: OPERATOR typespec_2, pointers). */
static bool operator_name(struct parse *ps) {
        static const int single[] = { '+', '-', '*', '/', '%', '^', '&', '|', '~', '!', '=', '<', '>', ',',
                                      T_ASSIGN_MODIFY, T_LSH, T_RSH, T_EQUAL, T_NOTEQUAL, T_LEQ, T_GEQ,
                                      T_ANDAND, T_OROR, T_INCREMENT, T_DECREMENT };
        size_t k;

        for (k = 0; k < sizeof(single) / sizeof(single[0]) && tk(ps) != single[k]; k++)
                ;
        if (k < sizeof(single) / sizeof(single[0]))
                ps->i++;
        else if (accept(ps, T_NEW) || accept(ps, T_DELETE)) {
                if (tk(ps) == '[' && next_tk(ps) == ']')
                        ps->i += 2;
        } else if (accept(ps, T_ARROW))
                accept(ps, '*');
        else if (accept(ps, '(')) {
                if (!accept(ps, ')'))
                        return fail(ps);
        } else if (accept(ps, '[')) {
                if (!accept(ps, ']'))
                        return fail(ps);
        } else {
                if (!typespec(ps))
                        return false;
                while (accept(ps, '*') || accept(ps, '&') || accept(ps, T_ANDAND))
                        qualifiers(ps);
                return !ps->bad;
        }
        if (accept(ps, '<'))
                return template_params(ps);
        return true;
}

static enum symb_cxx_form start(struct parse *ps, size_t *name_end);

/* function: a qualified name (an operator, a destructor or a conversion
 * last), its parameter list and qualifiers, maybe "::" and a local
 * entity; *name_end is where the parameters begin. */
static enum symb_cxx_form function(struct parse *ps, size_t *name_end) {
        accept(ps, T_COLONCOLON);
        for (;;) {
                if (accept(ps, T_OPERATOR)) {
                        if (!operator_name(ps))
                                return SYMB_CXX_UNPARSED;
                        break;
                }
                if (accept(ps, '~')) {
                        if (!accept(ps, T_NAME))
                                return SYMB_CXX_UNPARSED;
                        break;
                }
                if (!scope_id(ps))
                        return SYMB_CXX_UNPARSED;
                if (tk(ps) == T_COLONCOLON &&
                    (next_tk(ps) == T_NAME || next_tk(ps) == T_OPERATOR || next_tk(ps) == '~')) {
                        ps->i++;
                        continue;
                }
                break;
        }
        if (tk(ps) != '(')
                return SYMB_CXX_UNPARSED;
        *name_end = ps->t[ps->i].start;
        if (!function_arglist(ps))
                return SYMB_CXX_UNPARSED;
        if (tk(ps) == T_END)
                return SYMB_CXX_FUNCTION;
        /* "f()::Local::run(int)": start_opt, a LOCAL_NAME */
        if (accept(ps, T_COLONCOLON)) {
                size_t inner;

                if (!deeper(ps))
                        return SYMB_CXX_UNPARSED;
                return start(ps, &inner) == SYMB_CXX_UNPARSED ? SYMB_CXX_UNPARSED : SYMB_CXX_OTHER;
        }
        return SYMB_CXX_UNPARSED;
}

/* start: a function, else a type, to the end. */
static enum symb_cxx_form start(struct parse *ps, size_t *name_end) {
        struct parse f = *ps;
        enum symb_cxx_form r = function(&f, name_end);

        if (r != SYMB_CXX_UNPARSED)
                return r;
        if (type(ps) && tk(ps) == T_END)
                return SYMB_CXX_OTHER;
        return SYMB_CXX_UNPARSED;
}

enum symb_cxx_form symb_cxx_parse_name(const char *name, size_t *name_len) {
        size_t n = strlen(name), count = 0, end = 0;
        struct tok *t = malloc((n + 2) * sizeof(*t));
        const char *s = name;
        struct parse ps = { 0 };
        enum symb_cxx_form r;

        *name_len = 0;
        if (!t)
                return SYMB_CXX_UNPARSED;
        /* Each token takes a byte at least: n of them and T_END at most.
         * yylex's error is the parser's. */
        for (;;) {
                int k = lex(&s, &t[count].start, name);

                t[count].kind = k;
                if (k == T_ERROR) {
                        free(t);
                        return SYMB_CXX_UNPARSED;
                }
                if (k == T_END)
                        break;
                count++;
        }
        ps.t = t;
        r = start(&ps, &end);
        if (r == SYMB_CXX_FUNCTION) {
                while (end > 0 && name[end - 1] == ' ')
                        end--;
                *name_len = end;
        }
        free(t);
        return r;
}
