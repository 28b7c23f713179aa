#include "core/quant/recognition.h"

#include "core/format/model.h"

#include <QStringList>

#include <algorithm>

namespace safescope {

Recognition::Recognition(const Model& model, const QuantConfig& config, QuantCatalog& catalog)
    : m_model(model), m_config(config), m_catalog(catalog), m_repeatedNames(model.hasRepeatedNames())
{}

std::optional<Recognition::Part> Recognition::find(std::string_view stem, std::string_view suffix) const
{
    m_scratch.assign(stem);
    m_scratch.append(suffix);
    return find(m_scratch);
}

std::optional<Recognition::Part> Recognition::find(std::string_view name) const
{
    const std::optional<size_t> index =
        m_anchor && m_model.qualifiedName(*m_anchor) == name ? m_anchor : m_model.find(name);
    if (index && m_found != nullptr)
        m_found->push_back(static_cast<uint32_t>(*index));
    if (!index || m_catalog.isStoredPart(*index))
        return std::nullopt;
    return Part{*index, &m_model.tensor(*index), m_model.qualifiedName(*index)};
}

void Recognition::add(LogicalTensor tensor, std::initializer_list<std::pair<const char*, const Part*>> parts)
{
    tensor.elementCount = 1;
    for (uint64_t d : tensor.shape)
        tensor.elementCount *= d;
    tensor.parts.reserve(static_cast<size_t>(
        std::count_if(parts.begin(), parts.end(), [](const auto& rolePart) { return rolePart.second != nullptr; })));
    for (const auto& [role, part] : parts) {
        if (!part)
            continue;
        tensor.parts.emplace_back(role, part->name);
        m_catalog.storedPart[part->index] = true;
        m_catalog.partIndices.push_back(static_cast<uint32_t>(part->index));
    }
    m_catalog.tensors.push_back(std::move(tensor));
    m_catalog.partStart.push_back(static_cast<uint32_t>(m_catalog.partIndices.size()));
}

void Recognition::problem(const std::string& tensor, const QString& message)
{
    m_catalog.problems.push_back(
        {QStringLiteral("QuantizedPart"), message, QString::fromStdString(tensor), {}, std::nullopt});
}

void Recognition::missing(const std::string& tensor, const std::string& part, const char* scheme)
{
    problem(tensor, QStringLiteral("%1 weight '%2' lacks its part '%3'; its stored tensors are shown as they are")
                        .arg(QLatin1String(scheme), QString::fromStdString(tensor), QString::fromStdString(part)));
}

void Recognition::misshapen(const std::string& tensor, const Part& part, const QString& expected)
{
    problem(tensor, QStringLiteral("quantized weight '%1': part '%2' is %3, expected %4; its stored tensors are "
                                   "shown as they are")
                        .arg(QString::fromStdString(tensor), nameText(part.name), partText(*part.info), expected));
}

QString shapeText(std::span<const uint64_t> shape)
{
    QStringList dims;
    for (uint64_t d : shape)
        dims.append(QString::number(d));
    return QLatin1Char('[') + dims.join(QStringLiteral(", ")) + QLatin1Char(']');
}

QString partText(const TensorInfo& info)
{
    return QLatin1String(dtypeName(info.dtype)) + QLatin1Char(' ') + shapeText(info.shape);
}

bool isScaleDType(DType dtype)
{
    return dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16;
}

} // namespace safescope
