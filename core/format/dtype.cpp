#include "core/format/dtype.h"

#include <array>

namespace safescope {

namespace {

constexpr std::array<DTypeInfo, kDTypeCount + 1> kInfos{{
    {DType::BOOL, "BOOL", 8, DTypeKind::Bool},
    {DType::F4, "F4", 4, DTypeKind::Float},
    {DType::F6_E2M3, "F6_E2M3", 6, DTypeKind::Float},
    {DType::F6_E3M2, "F6_E3M2", 6, DTypeKind::Float},
    {DType::U8, "U8", 8, DTypeKind::UnsignedInt},
    {DType::I8, "I8", 8, DTypeKind::SignedInt},
    {DType::F8_E5M2, "F8_E5M2", 8, DTypeKind::Float},
    {DType::F8_E4M3, "F8_E4M3", 8, DTypeKind::Float},
    {DType::F8_E8M0, "F8_E8M0", 8, DTypeKind::Float},
    {DType::F8_E4M3FNUZ, "F8_E4M3FNUZ", 8, DTypeKind::Float},
    {DType::F8_E5M2FNUZ, "F8_E5M2FNUZ", 8, DTypeKind::Float},
    {DType::I16, "I16", 16, DTypeKind::SignedInt},
    {DType::U16, "U16", 16, DTypeKind::UnsignedInt},
    {DType::F16, "F16", 16, DTypeKind::Float},
    {DType::BF16, "BF16", 16, DTypeKind::Float},
    {DType::I32, "I32", 32, DTypeKind::SignedInt},
    {DType::U32, "U32", 32, DTypeKind::UnsignedInt},
    {DType::F32, "F32", 32, DTypeKind::Float},
    {DType::C64, "C64", 64, DTypeKind::Complex},
    {DType::F64, "F64", 64, DTypeKind::Float},
    {DType::I64, "I64", 64, DTypeKind::SignedInt},
    {DType::U64, "U64", 64, DTypeKind::UnsignedInt},
    {DType::Unknown, "?", 0, DTypeKind::Unknown},
}};

constexpr std::array<DType, kDTypeCount> kAll = [] {
    std::array<DType, kDTypeCount> all{};
    for (int i = 0; i < kDTypeCount; ++i)
        all[static_cast<size_t>(i)] = kInfos[static_cast<size_t>(i)].dtype;
    return all;
}();

} // namespace

const DTypeInfo& dtypeInfo(DType dtype) { return kInfos[static_cast<size_t>(dtype)]; }

std::optional<DType> dtypeFromName(std::string_view name)
{
    for (int i = 0; i < kDTypeCount; ++i) {
        if (kInfos[static_cast<size_t>(i)].name == name)
            return kInfos[static_cast<size_t>(i)].dtype;
    }
    return std::nullopt;
}

const DType* allDTypes() { return kAll.data(); }

} // namespace safescope
