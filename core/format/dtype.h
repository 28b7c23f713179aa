#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace safescope {

/// The 22 safetensors dtypes, declared in the reference writer's ascending order (SPEC.md section 3),
/// so comparing enumerators compares dtype order. Unknown is for lenient opens of unrecognised names.
enum class DType : uint8_t {
    BOOL,
    F4,
    F6_E2M3,
    F6_E3M2,
    U8,
    I8,
    F8_E5M2,
    F8_E4M3,
    F8_E8M0,
    F8_E4M3FNUZ,
    F8_E5M2FNUZ,
    I16,
    U16,
    F16,
    BF16,
    I32,
    U32,
    F32,
    C64,
    F64,
    I64,
    U64,
    Unknown
};

inline constexpr int kDTypeCount = 22;

/// What the bits of an element mean.
enum class DTypeKind : uint8_t { Bool, Float, SignedInt, UnsignedInt, Complex, Unknown };

struct DTypeInfo
{
    DType dtype;
    std::string_view name; ///< exact, case-sensitive header name
    int bits;              ///< bits per element (4 and 6 for the packed MX formats)
    DTypeKind kind;
};

/// Facts about a dtype; Unknown has 0 bits.
const DTypeInfo& dtypeInfo(DType dtype);

/// The header name of a dtype ("BF16"); "?" for Unknown.
inline std::string_view dtypeName(DType dtype) { return dtypeInfo(dtype).name; }

/// Bits per element; 0 for Unknown.
inline int dtypeBits(DType dtype) { return dtypeInfo(dtype).bits; }

/// The dtype with this exact header name, or nullopt.
std::optional<DType> dtypeFromName(std::string_view name);

/// All 22 known dtypes in ascending reference order (for loops in tests and pickers).
const DType* allDTypes();

/// True for dtypes decoded as floating point (F4..F64 and C64's parts).
inline bool isFloating(DType dtype)
{
    const DTypeKind kind = dtypeInfo(dtype).kind;
    return kind == DTypeKind::Float || kind == DTypeKind::Complex;
}

} // namespace safescope
