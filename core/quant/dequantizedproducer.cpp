#include "core/quant/dequantizedproducer.h"

#include "core/text/textutil.h"

namespace safescope {

Result<std::unique_ptr<DequantizedProducer>> DequantizedProducer::create(const Model& model,
                                                                         const LogicalTensor& tensor,
                                                                         const TensorBytesFn& parts,
                                                                         const std::atomic_bool* cancel)
{
    auto dequantizer = Dequantizer::create(model, tensor, parts, cancel);
    if (!dequantizer)
        return dequantizer.error();
    return std::unique_ptr<DequantizedProducer>(new DequantizedProducer(std::move(*dequantizer)));
}

Status DequantizedProducer::produce(uint64_t first, uint64_t count, DType dtype, unsigned char* out,
                                    ConversionImpact* impact)
{
    m_floats.resize(static_cast<size_t>(count));
    if (Status read = m_dequantizer->read(first, count, m_floats.data()); !read) {
        Error error = read.error();
        if (!error.tensor) {
            const QString name = toQString(m_dequantizer->tensor().name);
            error.tensor = name;
            error.message = QStringLiteral("tensor '%1': %2").arg(name, error.message);
        }
        return error;
    }
    // F32 to F32 is a plain copy through the same routine: one path for every output dtype.
    convertElements(DType::F32, reinterpret_cast<const unsigned char*>(m_floats.data()), dtype, out,
                    static_cast<size_t>(count), impact);
    return Ok{};
}

} // namespace safescope
