#include "core/diff/pairdiff.h"

namespace safescope {

namespace {

Status measure(TensorDiff& diff, const ViewReader& a, const ViewReader& b, const DiffTolerance& tolerance,
               const std::atomic_bool& cancel, const ProgressPhase& progress, bool parallel)
{
    if (!canCompareValues(a.view().dtype, b.view().dtype, &diff.note))
        return Ok{};
    Result<DiffMetrics> metrics = compareValues(a, b, tolerance, cancel, progress, parallel);
    if (!metrics)
        return metrics.error();
    diff.metrics = std::move(*metrics);
    return Ok{};
}

} // namespace

Status diffPair(TensorDiff& diff, const ViewReader* readerA, const ViewReader* readerB, const DiffTolerance& tolerance,
                const std::atomic_bool& cancel, const ProgressPhase& progress, bool parallel)
{
    const TensorView* a = readerA ? &readerA->view() : nullptr;
    const TensorView* b = readerB ? &readerB->view() : nullptr;
    if (a) {
        diff.dtypeA = a->dtype;
        diff.shapeA = a->shape;
    }
    if (b) {
        diff.dtypeB = b->dtype;
        diff.shapeB = b->shape;
    }
    if (!a || !b) {
        diff.status = a ? DiffStatus::OnlyInA : DiffStatus::OnlyInB;
        return Ok{};
    }
    if (a->shape != b->shape) {
        diff.status = DiffStatus::ShapeChanged;
        return Ok{};
    }
    if (a->dtype != b->dtype) {
        diff.status = DiffStatus::DTypeChanged;
        return measure(diff, *readerA, *readerB, tolerance, cancel, progress, parallel);
    }
    // Comparing bytes costs one read of both sides and usually stops in the first block when values differ.
    Result<bool> same = sameBytes(*readerA, *readerB, cancel, {}, parallel);
    if (!same)
        return same.error();
    if (*same) {
        diff.status = DiffStatus::Identical;
        diff.metrics = identicalMetrics(*a);
        return Ok{};
    }
    diff.status = DiffStatus::ValuesDiffer;
    return measure(diff, *readerA, *readerB, tolerance, cancel, progress, parallel);
}

} // namespace safescope
