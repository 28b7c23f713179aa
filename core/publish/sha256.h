#pragma once

#include <QString>

#include <cstddef>

struct evp_md_ctx_st;

namespace safescope {

/// Incremental SHA-256 through OpenSSL's libcrypto (EVP). libcrypto picks the CPU's SHA extensions (SHA-NI, ARMv8
/// SHA2) at run time, about 4x what QCryptographicHash and coreutils' sha256sum reach without them here: hashing a
/// checkpoint is bound by this loop, so it is worth the dependency.
class Sha256 final
{
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(const void* data, size_t size);
    /// The digest as 64 lowercase hex digits; the object is spent afterwards.
    QString finishHex();

    /// One-shot digest of a buffer, as lowercase hex.
    static QString hexOf(const void* data, size_t size);

private:
    evp_md_ctx_st* m_context;
};

} // namespace safescope
