#pragma once

#include <QString>

#include <cstdint>

namespace safescope {

class Model;
struct ModelCard;

/// The facts about a model that `safescope-cli info` and the window's Overview both print, worded once here so the
/// two always agree (they drifted apart when each wrote its own: "1.5 KiB" in one, "1.50 KiB" in the other).
struct ModelFacts
{
    QString fileSize;      ///< "13.5 GiB  (14,483,456,000 bytes)"
    QString parameters;    ///< "7,241,732,096  (7.24 B)"; a count under 1,000 alone ("39")
    QString tensorBytes;   ///< "13.5 GiB"
    QString bitsPerWeight; ///< "16.00", "4.25" for int4 with its scales; empty without parameters
    /// "weights 13.5 GiB as stored, 13.5 GiB as BF16; KV cache 125 MiB per 1,000 tokens of context" (the KV cache
    /// part only when config.json gives what it needs).
    QString memory;

    /// `parameters` is the logical count: a quantized weight counts its unpacked values, not its scales.
    static ModelFacts of(const Model& model, uint64_t parameters, const ModelCard* card);
};

} // namespace safescope
