#pragma once

#include <QString>

#include <cstddef>
#include <memory>

struct evp_md_ctx_st;
class QCryptographicHash;

namespace safescope {

/// Incremental SHA-256 through OpenSSL's libcrypto (EVP). libcrypto picks the CPU's SHA extensions (SHA-NI, ARMv8
/// SHA2) at run time, about 4x what QCryptographicHash and coreutils' sha256sum reach without them here: hashing a
/// checkpoint is bound by this loop, so it is worth the dependency.
///
/// On Linux libcrypto is loaded when the first hash is taken, not linked: its load-time relocations cost every process
/// some 4 ms of start-up on the CI machine (a quarter of `safescope-cli --version`), and most commands never hash.
/// Where it cannot be loaded, QCryptographicHash computes the same digests, more slowly. Elsewhere it is linked.
class Sha256 final
{
public:
    enum class Backend
    {
        Fastest,   ///< libcrypto when it loads, else Qt
        LibCrypto, ///< only for tests: aborts when libcrypto did not load
        Qt,        ///< QCryptographicHash
    };

    explicit Sha256(Backend backend = Backend::Fastest);
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(const void* data, size_t size);
    /// The digest as 64 lowercase hex digits; the object is spent afterwards.
    QString finishHex();

    /// Libcrypto or Qt: the backend this object hashes with.
    Backend backend() const { return m_context ? Backend::LibCrypto : Backend::Qt; }

    /// Whether libcrypto loaded (it is then loaded once for the life of the process).
    static bool libCryptoLoaded();

    /// One-shot digest of a buffer, as lowercase hex.
    static QString hexOf(const void* data, size_t size);

private:
    evp_md_ctx_st* m_context = nullptr;
    std::unique_ptr<QCryptographicHash> m_qtHash; // when m_context is null
};

} // namespace safescope
