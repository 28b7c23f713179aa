#pragma once

#include "core/format/error.h"

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>

namespace safescope {

/// The bytes of one tensor held for as long as `keep` lives: a remote tensor's fetched copy, for the passes over
/// every tensor (health scan) that would otherwise read a mapping. A pass asks for one tensor at a time, so memory
/// holds one tensor's bytes, not the model's.
struct HeldTensorBytes
{
    const unsigned char* data = nullptr;
    std::shared_ptr<const void> keep;
};

/// Fetches tensor `index` of the model a pass runs over; Cancelled when `cancel` becomes true.
using TensorBytesFn = std::function<Result<HeldTensorBytes>(size_t index, const std::atomic_bool& cancel)>;

} // namespace safescope
