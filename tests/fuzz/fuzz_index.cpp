// libFuzzer target: the sharded-checkpoint index parser (model.safetensors.index.json) on any bytes.
#include "core/format/shardindex.h"

#include <QByteArray>
#include <QString>

#include <cstddef>
#include <cstdint>

// libFuzzer calls LLVMFuzzerTestOneInput; tst_fuzzregressions compiles this file again under another name to replay
// the inputs in tests/fuzz/regressions/ in the ordinary (dev and ASan) test suite.
#ifndef SAFESCOPE_FUZZ_ENTRY
#define SAFESCOPE_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

extern "C" int SAFESCOPE_FUZZ_ENTRY(const uint8_t* data, size_t size)
{
    const QByteArray json = QByteArray::fromRawData(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    (void)safescope::parseShardIndex(json, QStringLiteral("fuzz.safetensors.index.json"));
    return 0;
}
