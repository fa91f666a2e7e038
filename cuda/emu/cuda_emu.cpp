// cuda_emu.cpp: the scheduler of the emulated CUDA device (see cuda_emu.h).
//
// A launch runs its blocks one after another on the calling OS thread. Each CUDA thread of a
// block is a fiber (its own stack, switched by a few instructions of assembly on x86-64, by
// ucontext elsewhere). The scheduler passes over the block's fibers in thread order (or in
// reverse order, as the launch asks) and runs each until it blocks on a barrier or exits. When
// no fiber can run, it releases a warp whose live lanes all wait at a warp barrier, or the
// block when every thread waits at __syncthreads(); anything else is a divergent barrier or a
// deadlock, and the launch fails with a message naming it.
#include "cuda_emu.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

namespace weft_emu {

enum class State { Ready, AtBlockBarrier, AtWarpBarrier, Done };

struct Fiber {
#if defined(__x86_64__)
    void* sp = nullptr;
#else
    ucontext_t ctx;
#endif
    uint3 tid{0, 0, 0};
    unsigned linear = 0;
    State st = State::Ready;
    unsigned mask = 0;      // mask of the warp barrier this fiber waits at
    uint64_t xval = 0;      // value deposited for a warp exchange
    char* stack = nullptr;  // bottom of the stack (canary there)
};

struct Block {
    std::vector<Fiber>* fibers = nullptr;
    unsigned n = 0;
#if defined(__x86_64__)
    void* sched_sp = nullptr;
#else
    ucontext_t sched;
#endif
    uint3 bid{0, 0, 0};
    dim3 bdim, gdim;
    unsigned char* smem = nullptr;
    Trampoline tramp = nullptr;
    void** args = nullptr;
    bool reverse = false;  // run the fibers in descending thread order
    bool failed = false;
    std::string err;
};

thread_local Fiber* tls_fiber = nullptr;
thread_local Block* tls_block = nullptr;

static const size_t kStack = 64 * 1024;
static const uint64_t kCanary = 0x5a5a5a5a5a5a5a5aull;

static std::unordered_map<std::string, Trampoline>& registry() {
    static std::unordered_map<std::string, Trampoline> r;
    return r;
}

Registrar::Registrar(const char* name, Trampoline t) { registry()[name] = t; }

#if defined(__x86_64__)
extern "C" void weft_emu_switch(void** save_sp, void* new_sp);
// Saves the callee-saved registers on the current stack, stores the stack pointer in
// *save_sp, loads new_sp and restores the registers saved there.
asm(R"(
    .text
    .globl weft_emu_switch
    .type weft_emu_switch,@function
weft_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size weft_emu_switch, .-weft_emu_switch
)");
#endif

static void to_scheduler() {
    Fiber* f = tls_fiber;
    Block* b = tls_block;
#if defined(__x86_64__)
    weft_emu_switch(&f->sp, b->sched_sp);
#else
    swapcontext(&f->ctx, &b->sched);
#endif
}

static void fiber_entry() {
    Block* b = tls_block;
    b->tramp(b->args);
    tls_fiber->st = State::Done;
    to_scheduler();
    std::abort();  // a finished fiber is never resumed
}

static void run_fiber(Block* b, Fiber* f) {
    tls_fiber = f;
#if defined(__x86_64__)
    weft_emu_switch(&b->sched_sp, f->sp);
#else
    swapcontext(&b->sched, &f->ctx);
#endif
    tls_fiber = nullptr;
}

static void init_fiber(Block* b, Fiber* f) {
    f->st = State::Ready;
    std::memcpy(f->stack, &kCanary, sizeof kCanary);
#if defined(__x86_64__)
    uintptr_t top = ((uintptr_t)(f->stack + kStack)) & ~(uintptr_t)15;
    void** sp = (void**)top;
    *--sp = nullptr;                    // fake return address of fiber_entry (keeps alignment)
    *--sp = (void*)&fiber_entry;        // where weft_emu_switch's `ret` goes
    for (int i = 0; i < 6; ++i) *--sp = nullptr;  // rbp rbx r12 r13 r14 r15
    f->sp = sp;
#else
    getcontext(&f->ctx);
    f->ctx.uc_stack.ss_sp = f->stack;
    f->ctx.uc_stack.ss_size = kStack;
    f->ctx.uc_link = &b->sched;
    makecontext(&f->ctx, (void (*)())fiber_entry, 0);
#endif
    (void)b;
}

[[noreturn]] void fault(const char* msg) {
    Block* b = tls_block;
    b->failed = true;
    if (b->err.empty()) b->err = msg;
    to_scheduler();
    std::abort();  // a failed block's fibers are never resumed
}

const uint3& thread_idx() { return tls_fiber->tid; }
const uint3& block_idx() { return tls_block->bid; }
const dim3& block_dim() { return tls_block->bdim; }
const dim3& grid_dim() { return tls_block->gdim; }
unsigned lane_id() { return tls_fiber->linear & 31u; }
unsigned char* dynamic_smem() { return tls_block->smem; }

void syncthreads() {
    tls_fiber->st = State::AtBlockBarrier;
    to_scheduler();
}

void syncwarp(unsigned mask) {
    tls_fiber->mask = mask;
    tls_fiber->st = State::AtWarpBarrier;
    to_scheduler();
}

uint64_t warp_exchange(unsigned mask, uint64_t v, unsigned src) {
    Fiber* f = tls_fiber;
    Block* b = tls_block;
    f->xval = v;
    syncwarp(mask);
    unsigned base = f->linear & ~31u;
    unsigned s = base + src;
    if (src >= 32 || s >= b->n || ((mask >> src) & 1u) == 0) {
        fault("warp shuffle reads a lane that is not in the mask or does not exist");
    }
    uint64_t r = (*b->fibers)[s].xval;
    syncwarp(mask);  // every lane has read before any lane deposits again
    return r;
}

unsigned warp_ballot(unsigned mask, int pred) {
    Fiber* f = tls_fiber;
    Block* b = tls_block;
    f->xval = pred != 0;
    syncwarp(mask);
    unsigned base = f->linear & ~31u, r = 0;
    for (unsigned l = 0; l < 32 && base + l < b->n; ++l) {
        if ((mask >> l) & 1u) r |= ((*b->fibers)[base + l].xval ? 1u : 0u) << l;
    }
    syncwarp(mask);
    return r;
}

static void set_error(Block* b, const std::string& msg) {
    b->failed = true;
    if (b->err.empty()) b->err = msg;
}

// Releases what can be released; false when nothing can (the block is finished or stuck).
static bool release(Block* b) {
    std::vector<Fiber>& fs = *b->fibers;
    unsigned done = 0, at_block = 0;
    for (unsigned i = 0; i < b->n; ++i) {
        done += fs[i].st == State::Done;
        at_block += fs[i].st == State::AtBlockBarrier;
    }
    if (done == b->n) return false;
    bool released = false;
    for (unsigned w = 0; w * 32 < b->n; ++w) {
        unsigned lo = w * 32, hi = lo + 32 < b->n ? lo + 32 : b->n;
        unsigned live = 0, waiting = 0, present = 0;
        for (unsigned i = lo; i < hi; ++i) {
            if (fs[i].st == State::Done) continue;
            live += 1;
            present |= 1u << (i - lo);
            waiting += fs[i].st == State::AtWarpBarrier;
        }
        if (live == 0 || waiting != live) continue;
        for (unsigned i = lo; i < hi; ++i) {
            if (fs[i].st != State::AtWarpBarrier) continue;
            if ((fs[i].mask & present) != present || (fs[i].mask & ~present) != 0) {
                char msg[160];
                std::snprintf(msg, sizeof msg,
                              "warp %u: lane %u syncs with mask 0x%08x but the live lanes are 0x%08x",
                              w, i - lo, fs[i].mask, present);
                set_error(b, msg);
                return false;
            }
        }
        for (unsigned i = lo; i < hi; ++i) {
            if (fs[i].st == State::AtWarpBarrier) fs[i].st = State::Ready;
        }
        released = true;
    }
    if (released) return true;
    if (at_block > 0 && at_block + done == b->n) {
        if (done > 0) {
            char msg[160];
            std::snprintf(msg, sizeof msg,
                          "__syncthreads() reached by %u of %u threads (the others exited): divergent barrier",
                          at_block, b->n);
            set_error(b, msg);
            return false;
        }
        for (unsigned i = 0; i < b->n; ++i) fs[i].st = State::Ready;
        return true;
    }
    set_error(b, "deadlock: threads wait at different barriers (__syncthreads() in divergent code?)");
    return false;
}

static void run_block(Block* b) {
    std::vector<Fiber>& fs = *b->fibers;
    for (unsigned i = 0; i < b->n; ++i) init_fiber(b, &fs[i]);
    const bool rev = b->reverse;
    for (;;) {
        for (unsigned k = 0; k < b->n && !b->failed; ++k) {
            Fiber* f = &fs[rev ? b->n - 1 - k : k];
            while (f->st == State::Ready && !b->failed) run_fiber(b, f);
        }
        if (b->failed || !release(b)) break;
    }
    for (unsigned i = 0; i < b->n && !b->failed; ++i) {
        if (std::memcmp(fs[i].stack, &kCanary, sizeof kCanary) != 0) {
            set_error(b, "fiber stack overflow (a kernel uses more than 64 KiB of stack)");
        }
    }
}

struct Stacks {
    std::vector<char*> s;
    ~Stacks() {
        for (char* p : s) std::free(p);
    }
};

}  // namespace weft_emu

using namespace weft_emu;

static void write_err(char* err, size_t len, const std::string& msg) {
    if (len == 0) return;
    size_t n = msg.size() < len - 1 ? msg.size() : len - 1;
    std::memcpy(err, msg.data(), n);
    err[n] = 0;
}

/// Number of registered kernels (for coverage checks).
extern "C" size_t weft_emu_kernel_count() { return registry().size(); }

/// Name of registered kernel `i` (in an unspecified but fixed order), or null.
extern "C" const char* weft_emu_kernel_name(size_t i) {
    static thread_local std::vector<std::string> names;
    if (names.size() != registry().size()) {
        names.clear();
        for (auto& kv : registry()) names.push_back(kv.first);
    }
    return i < names.size() ? names[i].c_str() : nullptr;
}

/// Launches kernel `name` on the emulated device, running each block's threads in ascending
/// order, or descending when `reverse`. Returns 0 on success, 1 for an unknown kernel, 2 for
/// an invalid launch configuration, 3 when the kernel faulted; `err` then holds a message.
extern "C" int weft_emu_launch(const char* name, const unsigned* grid, const unsigned* block,
                               unsigned shared_bytes, void** args, int reverse, char* err, size_t err_len) {
    auto it = registry().find(name);
    if (it == registry().end()) {
        write_err(err, err_len, std::string("no kernel named ") + name);
        return 1;
    }
    unsigned long long nthreads = (unsigned long long)block[0] * block[1] * block[2];
    if (nthreads == 0 || nthreads > 1024 || block[2] > 64 || grid[0] == 0 || grid[1] == 0 ||
        grid[2] == 0 || grid[1] > 65535 || grid[2] > 65535 || shared_bytes > 48 * 1024) {
        char msg[200];
        std::snprintf(msg, sizeof msg,
                      "invalid launch of %s: grid (%u, %u, %u), block (%u, %u, %u), %u bytes of shared memory",
                      name, grid[0], grid[1], grid[2], block[0], block[1], block[2], shared_bytes);
        write_err(err, err_len, msg);
        return 2;
    }
    static thread_local Stacks stacks;
    static thread_local std::vector<Fiber> fibers;
    static thread_local std::vector<unsigned char> smem;
    unsigned n = (unsigned)nthreads;
    while (stacks.s.size() < n) {
        char* p = static_cast<char*>(std::aligned_alloc(16, kStack));
        if (p == nullptr) {
            write_err(err, err_len, "out of host memory for fiber stacks");
            return 3;
        }
        stacks.s.push_back(p);
    }
    fibers.assign(n, Fiber{});
    for (unsigned i = 0; i < n; ++i) {
        fibers[i].linear = i;
        fibers[i].tid = uint3{i % block[0], (i / block[0]) % block[1], i / (block[0] * block[1])};
        fibers[i].stack = stacks.s[i];
    }
    smem.resize(shared_bytes > 0 ? shared_bytes : 1);

    Block b;
    b.fibers = &fibers;
    b.n = n;
    b.bdim = dim3(block[0], block[1], block[2]);
    b.gdim = dim3(grid[0], grid[1], grid[2]);
    b.smem = smem.data();
    b.tramp = it->second;
    b.args = args;
    b.reverse = reverse != 0;
    Block* saved = tls_block;
    tls_block = &b;
    for (unsigned z = 0; z < grid[2] && !b.failed; ++z)
        for (unsigned y = 0; y < grid[1] && !b.failed; ++y)
            for (unsigned x = 0; x < grid[0] && !b.failed; ++x) {
                b.bid = uint3{x, y, z};
                std::memset(smem.data(), 0xff, smem.size());  // poison: NaN in f32 and f64
                run_block(&b);
            }
    tls_block = saved;
    if (b.failed) {
        char where[120];
        std::snprintf(where, sizeof where, "kernel %s, block (%u, %u, %u): ", name, b.bid.x, b.bid.y, b.bid.z);
        write_err(err, err_len, where + b.err);
        return 3;
    }
    return 0;
}
