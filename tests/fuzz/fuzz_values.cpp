// libFuzzer target: everything that reads tensor values, over whatever the lenient validator accepts. The input is a
// whole file image; each accepted tensor (of a known dtype) gets statistics, a quick preview, its first slice window
// and a downsampled overview. The validator's offsets must keep every read inside the buffer (ASan checks).
#include "core/values/downsample.h"
#include "core/format/headerparser.h"
#include "core/values/tensorslice.h"
#include "core/values/tensorstats.h"
#include "core/values/tensorview.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace {

constexpr size_t kMaxTensors = 8; // keeps one input fast
constexpr uint64_t kMaxElements = 1 << 16;

void exercise(const safescope::TensorView& view)
{
    using namespace safescope;
    const std::atomic_bool cancel{false};
    StatsOptions options;
    options.histogram.bins = 16;
    options.fineBins = 256;
    (void)computeStats(view, options, cancel);
    (void)computeStatsPreview(view, options, cancel, 64);

    const SliceSpec spec = defaultSliceSpec(view.shape);
    const auto addressing = sliceAddressing(spec, view.shape);
    if (!addressing)
        return;
    const uint64_t rows = std::min<uint64_t>(addressing->rows, 4);
    const uint64_t cols = std::min<uint64_t>(addressing->cols, 4);
    std::vector<double> cells(static_cast<size_t>(rows * cols));
    std::vector<uint64_t> bits(cells.size());
    (void)extractWindow(view, spec, 0, rows, 0, cols, cells.data());
    (void)rawBitsWindow(view, spec, 0, rows, 0, cols, bits.data());
    (void)downsample(view, spec, {0, addressing->rows}, {0, addressing->cols}, 3, 3, Reduction::MaxAbs, cancel);
}

} // namespace

// libFuzzer calls LLVMFuzzerTestOneInput; tst_fuzzregressions compiles this file again under another name to replay
// the inputs in tests/fuzz/regressions/ in the ordinary (dev and ASan) test suite.
#ifndef SAFESCOPE_FUZZ_ENTRY
#define SAFESCOPE_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

extern "C" int SAFESCOPE_FUZZ_ENTRY(const uint8_t* data, size_t size)
{
    using namespace safescope;
    const auto header = parseHeader(data, size, size, OpenMode::Lenient);
    if (!header)
        return 0;
    const size_t count = std::min(header->tensors.size(), kMaxTensors);
    for (size_t i = 0; i < count; ++i) {
        const TensorInfo& info = header->tensors[i];
        if (info.dtype == DType::Unknown || info.elementCount > kMaxElements)
            continue;
        exercise(TensorView{info.dtype,
                            {info.shape.begin(), info.shape.end()},
                            info.elementCount,
                            data + header->dataStart + info.begin,
                            info.byteSize()});
    }
    return 0;
}
