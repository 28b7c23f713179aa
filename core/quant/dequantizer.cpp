#include "core/quant/dequantizer.h"

#include "core/io/sigbusguard.h"
#include "core/quant/schemes.h"
#include "core/quant/storedpart.h"

#include <algorithm>
#include <vector>

namespace safescope {

Result<std::unique_ptr<const Dequantizer>> Dequantizer::create(const Model& model, const LogicalTensor& tensor,
                                                               const TensorBytesFn& parts,
                                                               const std::atomic_bool* cancel)
{
    const PartSource source{model, parts, cancel};
    switch (tensor.scheme) {
    case QuantScheme::Fp8:
        return makeFp8Dequantizer(source, tensor);
    case QuantScheme::Gptq:
        return makeGptqDequantizer(source, tensor);
    case QuantScheme::Awq:
        return makeAwqDequantizer(source, tensor);
    case QuantScheme::BnbNf4:
    case QuantScheme::BnbFp4:
        return makeBnb4Dequantizer(source, tensor);
    case QuantScheme::BnbInt8:
        return makeBnbInt8Dequantizer(source, tensor);
    case QuantScheme::Mxfp4:
        return makeMxfp4Dequantizer(source, tensor);
    case QuantScheme::Nvfp4:
        return makeNvfp4Dequantizer(source, tensor);
    case QuantScheme::Mlx:
        return makeMlxDequantizer(source, tensor);
    }
    return makeError(ErrorKind::InvalidArgument, QStringLiteral("unknown quantization scheme"));
}

Status Dequantizer::read(uint64_t first, uint64_t count, float* out) const
{
    const QString name = QString::fromStdString(m_tensor.name);
    if (first > m_tensor.elementCount || count > m_tensor.elementCount - first)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("elements %1..%2 are outside tensor '%3' of %4 elements")
                             .arg(first)
                             .arg(first + count)
                             .arg(name)
                             .arg(m_tensor.elementCount),
                         m_path, name);
    if (count == 0)
        return Ok{};
    if (!SigbusGuard::runGuarded([&] { decode(first, count, out); }))
        return makeError(ErrorKind::FileChanged,
                         QStringLiteral("the file changed while tensor '%1' was being read").arg(name), m_path, name);
    return Ok{};
}

// Never called: counting is only asked of schemes whose codeLayout() offers it, and those override both.
void Dequantizer::countCodes(uint64_t, uint64_t, uint16_t*) const {}

void Dequantizer::segmentValues(uint64_t, float*) const {}

void Dequantizer::segmentKeys(uint64_t, uint64_t, uint32_t*, uint32_t*) const {}

void Dequantizer::keyValues(uint32_t, float*) const {}

void Dequantizer::countCodesByKey(uint64_t first, uint64_t count, uint32_t* table, uint8_t* seen) const
{
    // A few hundred segments at a time, so that their 16-bit counts stay in L1 until they are added up.
    constexpr uint64_t kBatch = 256;
    const CodeLayout layout = codeLayout();
    const size_t codes = static_cast<size_t>(layout.codes);
    thread_local std::vector<uint16_t> counts;
    thread_local std::vector<uint32_t> keys, offsets;
    counts.resize(static_cast<size_t>(kBatch) * codes);
    keys.resize(static_cast<size_t>(kBatch));
    offsets.resize(static_cast<size_t>(kBatch));
    for (uint64_t b = first; b < first + count; b += kBatch) {
        const uint64_t n = std::min(kBatch, first + count - b);
        std::fill(counts.begin(), counts.end(), uint16_t(0));
        countCodes(b, n, counts.data());
        segmentKeys(b, n, keys.data(), offsets.data());
        const uint16_t* c = counts.data();
        for (uint64_t s = 0; s < n; ++s, c += codes) {
            const uint32_t key = keys[static_cast<size_t>(s)];
            seen[key] = 1;
            uint32_t* row = table + static_cast<size_t>(key) * static_cast<size_t>(layout.keyCodes) +
                            offsets[static_cast<size_t>(s)];
            for (size_t code = 0; code < codes; ++code)
                row[code] += c[code];
        }
    }
}

} // namespace safescope
