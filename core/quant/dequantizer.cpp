#include "core/quant/dequantizer.h"

#include "core/io/sigbusguard.h"
#include "core/quant/schemes.h"

namespace safescope {

Result<std::unique_ptr<const Dequantizer>> Dequantizer::create(const Model& model, const LogicalTensor& tensor)
{
    switch (tensor.scheme) {
    case QuantScheme::Fp8:
        return makeFp8Dequantizer(model, tensor);
    case QuantScheme::Gptq:
        return makeGptqDequantizer(model, tensor);
    case QuantScheme::Awq:
        return makeAwqDequantizer(model, tensor);
    case QuantScheme::BnbNf4:
    case QuantScheme::BnbFp4:
        return makeBnb4Dequantizer(model, tensor);
    case QuantScheme::BnbInt8:
        return makeBnbInt8Dequantizer(model, tensor);
    case QuantScheme::Mxfp4:
        return makeMxfp4Dequantizer(model, tensor);
    case QuantScheme::Nvfp4:
        return makeNvfp4Dequantizer(model, tensor);
    case QuantScheme::Mlx:
        return makeMlxDequantizer(model, tensor);
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

void Dequantizer::segmentKeys(uint64_t, uint64_t, uint32_t*) const {}

void Dequantizer::keyValues(uint32_t, float*) const {}

} // namespace safescope
