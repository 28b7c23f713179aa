#pragma once

#include "core/platform/filemapping.h"

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace safescope::platform {

/// Owns `count` zero-initialised elements in fresh pages from allocatePages(): a large table of counts filled by
/// workers. Unlike calloc or a std::vector it never writes the memory itself (the system's pages are already
/// zero), pages nobody touches cost nothing, and where the system offers transparent huge pages a touched 2 MiB
/// costs about as much as 20 touched 4 KiB pages.
template <typename T> class PageArray final
{
    static_assert(std::is_trivial_v<T>, "the pages are zero bytes, never constructed");

public:
    PageArray() = default;
    /// An array whose size in bytes would overflow gets no memory (false), like one the system refuses.
    explicit PageArray(size_t count)
        : m_bytes(count <= SIZE_MAX / sizeof(T) ? count * sizeof(T) : 0),
          m_data(static_cast<T*>(allocatePages(m_bytes)))
    {}
    ~PageArray() { freePages(m_data, m_bytes); }
    PageArray(PageArray&& other) noexcept
        : m_bytes(std::exchange(other.m_bytes, 0)), m_data(std::exchange(other.m_data, nullptr))
    {}
    PageArray& operator=(PageArray&& other) noexcept
    {
        if (this != &other) {
            freePages(m_data, m_bytes);
            m_bytes = std::exchange(other.m_bytes, 0);
            m_data = std::exchange(other.m_data, nullptr);
        }
        return *this;
    }
    PageArray(const PageArray&) = delete;
    PageArray& operator=(const PageArray&) = delete;

    /// False when the system had no memory for a non-empty array.
    explicit operator bool() const { return m_data != nullptr; }
    T* get() const { return m_data; }
    T& operator[](size_t i) const { return m_data[i]; }

private:
    size_t m_bytes = 0;
    T* m_data = nullptr;
};

} // namespace safescope::platform
