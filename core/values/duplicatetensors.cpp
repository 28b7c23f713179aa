#include "core/values/duplicatetensors.h"

#include "core/format/model.h"
#include "core/io/sigbusguard.h"

#include <algorithm>
#include <cstring>
#include <tuple>

namespace safescope {

namespace {

constexpr uint64_t kCompareStep = uint64_t(4) << 20; // cancel is honoured between steps of a long comparison

bool sameBytes(const unsigned char* a, const unsigned char* b, uint64_t size, const std::atomic_bool& cancel,
               bool& stopped)
{
    for (uint64_t at = 0; at < size; at += kCompareStep) {
        if (cancel.load(std::memory_order_relaxed)) {
            stopped = true;
            return false;
        }
        if (std::memcmp(a + at, b + at, static_cast<size_t>(std::min(kCompareStep, size - at))) != 0)
            return false;
    }
    return true;
}

} // namespace

std::optional<std::vector<std::vector<size_t>>> findDuplicateTensors(const Model& model,
                                                                     const std::vector<std::optional<uint64_t>>& hashes,
                                                                     const std::atomic_bool& cancel)
{
    std::optional<Error> failure;
    return findDuplicateTensors(model, hashes, TensorBytesFn(), cancel, failure);
}

std::optional<std::vector<std::vector<size_t>>>
findDuplicateTensors(const Model& model, const std::vector<std::optional<uint64_t>>& hashes, const TensorBytesFn& bytes,
                     const std::atomic_bool& cancel, std::optional<Error>& failure)
{
    std::vector<size_t> order;
    for (size_t i = 0; i < hashes.size(); ++i) {
        if (hashes[i])
            order.push_back(i);
    }
    auto key = [&](size_t i) {
        const TensorInfo& t = model.tensor(i);
        return std::make_tuple(t.byteSize(), *hashes[i], t.dtype);
    };
    auto sameShape = [&](size_t a, size_t b) {
        const TensorInfo& x = model.tensor(a);
        const TensorInfo& y = model.tensor(b);
        return std::equal(x.shape.begin(), x.shape.end(), y.shape.begin(), y.shape.end());
    };
    std::vector<std::vector<size_t>> groups;
    bool stopped = false;
    // Mapped tensors are compared in place; fetched ones are held only for the comparison.
    const auto same = [&](size_t a, size_t b) {
        if (!bytes)
            return sameBytes(model.tensorData(a), model.tensorData(b), model.tensor(b).byteSize(), cancel, stopped);
        auto first = bytes(a, cancel);
        auto second = first ? bytes(b, cancel) : Result<HeldTensorBytes>(first.error());
        if (!second) {
            failure = second.error();
            stopped = true;
            return false;
        }
        return sameBytes(first->data, second->data, model.tensor(b).byteSize(), cancel, stopped);
    };
    // stable: each group keeps model order, so its first member is the one the others copy.
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key(a) < key(b); });

    const bool completed = SigbusGuard::runGuarded([&] {
        for (size_t run = 0; run < order.size() && !stopped;) {
            size_t end = run + 1;
            while (end < order.size() && key(order[end]) == key(order[run]))
                ++end;
            // Within a run of equal keys, each tensor joins the first class whose representative it equals.
            std::vector<std::vector<size_t>> classes;
            for (size_t k = run; k < end && !stopped; ++k) {
                const size_t candidate = order[k];
                bool placed = false;
                for (std::vector<size_t>& c : classes) {
                    if (sameShape(c.front(), candidate) && same(c.front(), candidate)) {
                        c.push_back(candidate);
                        placed = true;
                        break;
                    }
                }
                if (!placed)
                    classes.push_back({candidate});
            }
            for (std::vector<size_t>& c : classes) {
                if (c.size() > 1)
                    groups.push_back(std::move(c));
            }
            run = end;
        }
    });
    if (!completed || stopped)
        return std::nullopt;
    std::sort(groups.begin(), groups.end());
    return groups;
}

} // namespace safescope
