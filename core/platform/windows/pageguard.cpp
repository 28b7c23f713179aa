#include "core/platform/pageguard.h"

#include <cstdlib>
#include <mutex>
#include <windows.h>

namespace safescope::platform {

#if defined(_MSC_VER) && !defined(__clang__)

// MSVC has structured exception handling in the language.
bool runGuarded(const std::function<void()>& work)
{
    __try {
        work();
    } __except (GetExceptionCode() == EXCEPTION_IN_PAGE_ERROR ? EXCEPTION_EXECUTE_HANDLER : EXCEPTION_CONTINUE_SEARCH) {
        return false;
    }
    return true;
}

#else

// GCC (MinGW) has no __try/__except. A vectored exception handler sees the fault first; jumping out of the handler
// itself would abandon the system's exception dispatch half done, so the handler instead resumes the faulting
// thread in land(), on a fresh part of its stack, and land() jumps back to the guard with __builtin_longjmp (which
// restores the frame and stack pointers only and unwinds nothing, like siglongjmp on POSIX).
// Followed: "Vectored Exception Handling" and EXCEPTION_POINTERS / CONTEXT in the Win32 documentation.

namespace {

thread_local void** t_landing = nullptr; // a __builtin_setjmp buffer: five words

[[noreturn]] void land()
{
    __builtin_longjmp(t_landing, 1);
}

LONG CALLBACK onException(EXCEPTION_POINTERS* pointers)
{
    if (pointers->ExceptionRecord->ExceptionCode != EXCEPTION_IN_PAGE_ERROR || t_landing == nullptr)
        return EXCEPTION_CONTINUE_SEARCH; // not ours: the default meaning (the process ends)
    CONTEXT* context = pointers->ContextRecord;
#if defined(__x86_64__) || defined(_M_X64)
    // Below the faulting frame, 16-byte aligned minus the return-address slot, as at the entry of a function.
    context->Rsp = ((context->Rsp - 512) & ~DWORD64{15}) - 8;
    context->Rip = reinterpret_cast<DWORD64>(&land);
#elif defined(__aarch64__) || defined(_M_ARM64)
    context->Sp = (context->Sp - 512) & ~DWORD64{15};
    context->Pc = reinterpret_cast<DWORD64>(&land);
#elif defined(__i386__) || defined(_M_IX86)
    context->Esp = ((context->Esp - 512) & ~DWORD{15}) - 4;
    context->Eip = reinterpret_cast<DWORD>(&land);
#else
#error "pageguard: unknown Windows architecture"
#endif
    return EXCEPTION_CONTINUE_EXECUTION;
}

void installOnce()
{
    static std::once_flag once;
    std::call_once(once, [] { ::AddVectoredExceptionHandler(1, onException); });
}

} // namespace

bool runGuarded(const std::function<void()>& work)
{
    installOnce();
    void* landing[5] = {};
    void** const outer = t_landing;
    if (__builtin_setjmp(landing) != 0) {
        t_landing = outer;
        return false;
    }
    t_landing = landing;
    work();
    t_landing = outer;
    return true;
}

#endif

void abandonGuardedWork()
{
    // The same road out as a vanished page.
    ::RaiseException(EXCEPTION_IN_PAGE_ERROR, 0, 0, nullptr);
    std::abort();
}

} // namespace safescope::platform
