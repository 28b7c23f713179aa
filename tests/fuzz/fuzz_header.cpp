// libFuzzer target: the strict and lenient header parser + validator, and the format sniffer, on any bytes.
// Whatever the input, parsing must return a value or an error: no crash, no hang, no out-of-bounds read.
#include "core/format/headerparser.h"
#include "core/format/sniffer.h"

#include <cstddef>
#include <cstdint>

// libFuzzer calls LLVMFuzzerTestOneInput; tst_fuzzregressions compiles this file again under another name to replay
// the inputs in tests/fuzz/regressions/ in the ordinary (dev and ASan) test suite.
#ifndef SAFESCOPE_FUZZ_ENTRY
#define SAFESCOPE_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

extern "C" int SAFESCOPE_FUZZ_ENTRY(const uint8_t* data, size_t size)
{
    using namespace safescope;
    const uint64_t length = size;
    const auto strict = parseHeader(data, length, length, OpenMode::Strict);
    const auto lenient = parseHeader(data, length, length, OpenMode::Lenient);
    // Lenient accepts a superset of strict: a strictly valid file must open leniently with the same tensors.
    if (strict.ok() && (!lenient.ok() || lenient->tensors.size() != strict->tensors.size()))
        __builtin_trap();
    (void)sniffFormat(data, length);
    return 0;
}
