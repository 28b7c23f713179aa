#pragma once

#include <QString>

#include <cstdint>
#include <optional>
#include <utility>
#include <variant>

namespace safescope {

/// Error kinds: the first ten are the reference implementation's names (SPEC.md section 2); the rest are ours.
enum class ErrorKind {
    HeaderTooSmall,
    HeaderTooLarge,
    InvalidHeaderLength,
    InvalidHeader,
    InvalidHeaderDeserialization,
    InvalidOffset,
    ValidationOverflow,
    MisalignedSlice,
    TensorInvalidInfo,
    MetadataIncompleteBuffer,
    InvalidIndex,   ///< a sharded index (*.safetensors.index.json) that cannot be used
    IoError,        ///< the operating system refused (missing file, permission, disk full)
    FileChanged,    ///< the file was truncated or replaced while its data was being read
    Cancelled,      ///< the user cancelled the operation
    InvalidArgument ///< a request that does not fit the data (bad index, unknown tensor name)
};

/// The stable name of a kind, as used in the CLI's JSON and in tests ("InvalidOffset").
const char* errorKindName(ErrorKind kind);

/// A failure that crosses a layer boundary as a value: what went wrong, where, in plain words.
struct Error
{
    ErrorKind kind = ErrorKind::IoError;
    QString message;                ///< human sentence; already names the tensor/offset where they apply
    QString path;                   ///< the file concerned (may be empty for pure in-memory parsing)
    std::optional<QString> tensor;  ///< tensor name, when one tensor is to blame
    std::optional<uint64_t> offset; ///< byte position in the file, when known
    QString detectedFormat;         ///< set when sniffing recognised another format ("Git LFS pointer")

    /// "model.safetensors: InvalidOffset: tensor 'x' ..." - one line for logs and the CLI.
    QString describe() const;
};

/// Either a value or an Error. Small on purpose: C++20 has no std::expected.
template <typename T>
class [[nodiscard]] Result
{
public:
    Result(T value) : m_data(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_data(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(m_data); }
    const T& value() const { return std::get<0>(m_data); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Error& error() const { return std::get<1>(m_data); }

private:
    std::variant<T, Error> m_data;
};

/// Result of an operation that yields nothing but may fail.
struct Ok
{
};
using Status = Result<Ok>;

/// Shorthand to build an Error.
Error makeError(ErrorKind kind, QString message, QString path = {}, std::optional<QString> tensor = std::nullopt,
                std::optional<uint64_t> offset = std::nullopt);

} // namespace safescope
