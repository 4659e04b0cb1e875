// SPDX-License-Identifier: MIT
// tests/conformance/names.cc: C++ function names in a backtrace, against
// gdb 13 on the core of the same crash (run-conformance.py compares every
// frame's name). gdb names a C++ frame by its symbol's print name (the
// demangled linkage name, or for a function without one, GCC's static
// and local ones, a name computed from the DWARF) less the parameters
// (cp_remove_params), unless its own C++ name parser cannot parse the
// name or finds no plain function in it: then the whole name, parameters
// included (symbolicate/cxx-parser.c). One call chain, main first, through
// each kind of name, crashing at its end; the names in the comments are
// gdb's for g++ 12 -O0.
#include <functional>
#include <map>
#include <string>
#include <vector>

#define NOINLINE __attribute__((noinline, noclone))
#define KEEP(x) __asm__ volatile("" : : "g"(x) : "memory")

int *volatile crash_ptr;        // NULL, but the compiler cannot know

namespace {
struct Node {
        int v;
        Node *next;
};
NOINLINE int crash_here(const Node *n, int k) {
        *crash_ptr = n->v + k;
        return 0;
}
}  // namespace

namespace shop {

// The lambda, std::function and its invokers: "{lambda(int)#1}" and the
// function type "int (int)" keep their parameters:
// "std::function<int (int)>::operator()(int) const",
// "shop::Box<int>::apply(std::function<int (int)>) const".
template <typename T> struct Box {
        T t;
        NOINLINE int apply(std::function<int(int)> f) const {
                int r = f(t);
                // f stays in a register across the call: at gcc -O2 the
                // inlined operator()'s this is otherwise the entry value
                // of rsi, which gdb 13 reads one dereference too far
                // (f._M_functor's first word instead of &f).
                KEEP(&f);
                KEEP(r);
                return r + 1;
        }
};

struct Ledger {
        std::map<std::string, int> m;
        virtual ~Ledger() = default;
        // An ABI tag keeps them too: "shop::Ledger::label[abi:cxx11](int)";
        // "shop::Ledger::post" does not.
        NOINLINE std::string label(int k) {
                Node n{k, nullptr};
                auto it = m.find("bolts");
                auto fn = [&](int x) {
                        int r = crash_here(&n, x + (it == m.end() ? 0 : it->second));
                        KEEP(r);
                        return r + 1;
                };
                Box<int> b{3};
                int r = b.apply(fn);
                KEEP(r);
                return std::to_string(r);
        }
        NOINLINE int post(const std::string &name, int amount) {
                std::string s = label(amount + (int) name.size());
                KEEP(s);
                return (int) s.size();
        }
};

struct Item {
        int id;
        NOINLINE Item(int i, bool go);
        // A ref-qualified method: "shop::Item::poke(int) &".
        NOINLINE int poke(int k) &;
        // A conversion operator: "shop::Item::operator bool".
        NOINLINE explicit operator bool() const;
};

// An operator: "shop::operator<<". Its stream is a plain struct: the
// value of a std::ostream is not what this program is about.
struct Sink {
        int n;
};
NOINLINE Sink &operator<<(Sink &os, const Item &it);

}  // namespace shop

static int g_last;
NOINLINE void step_fp(int k) {
        g_last = k;
}

// A parameter that is a std::function: "with_fn(std::function<int (int)>)".
NOINLINE int with_fn(std::function<int(int)> f, int k) {
        int r = f(k);
        KEEP(r);
        return r + 1;
}

NOINLINE int after_lambdas(int k);

// A lambda and a generic lambda in a free function. Without a linkage
// name in GCC's DWARF (they have no linkage), gdb computes their names:
// "operator()", "operator()<int>", and for the invokers of one
// "std::__invoke_impl<int, relay(int)::<lambda(int)>&, int>(std::__invoke_other,
// struct {...} &)"; clang's "relay(int)::$_1::operator()(int) const" is a
// local name.
NOINLINE int relay(int k) {
        auto generic = [k](auto x) { return after_lambdas(x + k); };
        auto plain = [&generic](int x) {
                int r = generic(x);
                KEEP(r);
                return r + 1;
        };
        int r = with_fn(plain, k);
        KEEP(r);
        return r + 1;
}

NOINLINE int after_local(int k);

// A method of a local class: GCC's computed "Local::run", clang's
// "local_owner(int)::Local::run(int)".
NOINLINE int local_owner(int k) {
        struct Local {
                int base;
                NOINLINE int run(int x) {
                        int r = after_local(x + base);
                        KEEP(r);
                        return r + 1;
                }
        };
        Local l{k};
        int r = l.run(k);
        KEEP(r);
        return r + 1;
}

NOINLINE int after_dots(int k);

// The same in an inline function, whose local class has a linkage name:
// "inline_owner(int)::Local::run(int)", a local name, keeps its
// parameters. Not inlined: clang -O2 puts the class of an inlined
// function in an unnamed subprogram DIE, whose classes gdb never
// completes (it shows l as {<No data fields>}).
inline NOINLINE int inline_owner(int k) {
        struct Local {
                int base;
                NOINLINE int run(int x) {
                        int r = after_dots(x + base);
                        KEEP(r);
                        return r + 1;
                }
        };
        Local l{k};
        int r = l.run(k);
        KEEP(r);
        return r + 1;
}

// A variadic function, "variadic", and one with nothing but "...":
// "only_dots(...)".
NOINLINE int variadic(int k, ...) {
        int r = inline_owner(k);
        KEEP(r);
        return r + 1;
}
NOINLINE int only_dots(...) {
        int r = variadic(4, 5);
        KEEP(r);
        return r + 1;
}

NOINLINE int after_templates(int k);

// A template of an empty pack ("empty_pack<>()"), a char literal
// argument ("tc<(char)97>") and std::nullptr_t
// ("takes_null(decltype(nullptr), int)").
template <typename... T> NOINLINE int empty_pack(T... ts) {
        int r = after_templates((int) sizeof...(ts));
        KEEP(r);
        return r + 1;
}
NOINLINE int takes_null(std::nullptr_t, int k) {
        int r = empty_pack<>();
        KEEP(r);
        return r + k;
}
template <char C> NOINLINE int tc(int k) {
        int r = takes_null(nullptr, k + C);
        KEEP(r);
        return r + 1;
}

// A function pointer parameter: "via_ptr<int>".
template <typename T> NOINLINE int via_ptr(void (*fp)(int), T k) {
        fp((int) k);
        int r = tc<'a'>((int) k);
        KEEP(r);
        return r + 1;
}

// A noexcept function pointer: "noexcept_ptr(void (*)() noexcept, int)"
// (clang 14 in C++14 leaves noexcept out of the type: "noexcept_ptr").
NOINLINE void nothing() noexcept {
}
NOINLINE int noexcept_ptr(void (*fp)() noexcept, int k) {
        fp();
        int r = via_ptr(step_fp, k);
        KEEP(r);
        return r + 1;
}

// An array reference parameter: "arr_ref".
NOINLINE int arr_ref(int (&a)[3]) {
        int r = noexcept_ptr(nothing, a[0] + a[1] + a[2]);
        KEEP(r);
        return r + 1;
}

// A method pointer parameter: "member_ptr"; its value prints with its
// type, "(int (K::*)(K * const, int)) 0x... <K::get(int)>".
struct K {
        int v;
        int get(int x) { return v + x; }
};
NOINLINE int member_ptr(int (K::*pm)(int), K *k) {
        int a[3] = {(k->*pm)(1), 2, 3};
        int r = arr_ref(a);
        KEEP(r);
        return r + 1;
}

// A constant argument GCC propagates into a clone at -O2: the frame is
// scaled.constprop.0's, whose DWARF names it "scaled", as gdb does.
static __attribute__((noinline)) int scaled(int k, int by) {
        K kk{by};
        int r = member_ptr(&K::get, &kk);
        KEEP(r);
        return r * by + k;
}

shop::Item::Item(int i, bool go) : id(i) {
        if (go) {
                int r = scaled(i, 3);
                KEEP(r);
                id += r;
        }
}

int shop::Item::poke(int k) & {
        Item inner(k + id, true);
        KEEP(inner);
        return inner.id;
}

shop::Item::operator bool() const {
        Item copy = *this;
        return copy.poke(id) != 0;
}

shop::Sink &shop::operator<<(Sink &os, const Item &it) {
        bool b = static_cast<bool>(it);
        KEEP(b);
        os.n += it.id + b;
        return os;
}

NOINLINE int after_templates(int k) {
        int r = relay(k);
        KEEP(r);
        return r + 1;
}

NOINLINE int after_lambdas(int k) {
        int r = local_owner(k);
        KEEP(r);
        return r + 1;
}

NOINLINE int after_local(int k) {
        int r = only_dots(k);
        KEEP(r);
        return r + 1;
}

NOINLINE int after_dots(int k) {
        shop::Ledger l;
        l.m["bolts"] = 1;
        int r = l.post("bolts", k);
        KEEP(r);
        return r + 1;
}

int main(int argc, char **argv) {
        shop::Sink os{0};
        std::vector<int> v{1, 2};
        shop::Item it{argc + v[0], false};
        os << it;
        return os.n + (argv ? 0 : 1);
}
