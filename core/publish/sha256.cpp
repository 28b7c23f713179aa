#include "core/publish/sha256.h"

#include <QCryptographicHash>
#include <QLibrary>

#include <cstdlib>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

namespace safescope {

namespace {

// The six EVP entry points a hash needs, resolved from libcrypto at run time.
struct LibCrypto
{
    decltype(&EVP_MD_CTX_new) newContext = nullptr;
    decltype(&EVP_MD_CTX_free) freeContext = nullptr;
    decltype(&EVP_sha256) sha256 = nullptr;
    decltype(&EVP_DigestInit_ex) init = nullptr;
    decltype(&EVP_DigestUpdate) update = nullptr;
    decltype(&EVP_DigestFinal_ex) finish = nullptr;

    bool complete() const { return newContext && freeContext && sha256 && init && update && finish; }
};

template <typename Fn> void resolve(QLibrary& library, const char* symbol, Fn& fn)
{
    fn = reinterpret_cast<Fn>(library.resolve(symbol));
}

#ifdef SAFESCOPE_LIBCRYPTO_LINKED
// Linked (macOS, Windows): the entry points are the linked functions.
LibCrypto loadLibCrypto()
{
    return {&EVP_MD_CTX_new, &EVP_MD_CTX_free, &EVP_sha256, &EVP_DigestInit_ex, &EVP_DigestUpdate, &EVP_DigestFinal_ex};
}
#else
LibCrypto resolveAll(QLibrary& library)
{
    LibCrypto api;
    resolve(library, "EVP_MD_CTX_new", api.newContext);
    resolve(library, "EVP_MD_CTX_free", api.freeContext);
    resolve(library, "EVP_sha256", api.sha256);
    resolve(library, "EVP_DigestInit_ex", api.init);
    resolve(library, "EVP_DigestUpdate", api.update);
    resolve(library, "EVP_DigestFinal_ex", api.finish);
    return api.complete() ? api : LibCrypto{};
}

// The file the build found, then the library of the headers' major version by name (its major version is its ABI:
// libcrypto.so.3). Kept loaded to the end: without PreventUnloadHint, Qt's own clean-up at exit unloads a library no
// QLibrary holds any more, while a static Sha256 could still use it.
LibCrypto loadLibCrypto()
{
#ifdef SAFESCOPE_LIBCRYPTO_FILE
    QLibrary found(QStringLiteral(SAFESCOPE_LIBCRYPTO_FILE));
    found.setLoadHints(QLibrary::PreventUnloadHint);
    if (found.load())
        if (const LibCrypto api = resolveAll(found); api.complete())
            return api;
#endif
    QLibrary named(QStringLiteral("crypto"), OPENSSL_VERSION_MAJOR);
    named.setLoadHints(QLibrary::PreventUnloadHint);
    return named.load() ? resolveAll(named) : LibCrypto{};
}
#endif

const LibCrypto& libCrypto()
{
    static const LibCrypto api = loadLibCrypto();
    return api;
}

} // namespace

Sha256::Sha256(Backend backend)
{
    const LibCrypto& api = libCrypto();
    if (backend == Backend::LibCrypto && !api.complete())
        std::abort();
    if (backend == Backend::Qt || !api.complete()) {
        m_qtHash = std::make_unique<QCryptographicHash>(QCryptographicHash::Sha256);
        return;
    }
    m_context = api.newContext();
    // Failure here means libcrypto cannot allocate a few hundred bytes or lost SHA-256: nothing sensible remains.
    if (!m_context || api.init(m_context, api.sha256(), nullptr) != 1)
        std::abort();
}

Sha256::~Sha256()
{
    if (m_context)
        libCrypto().freeContext(m_context);
}

void Sha256::update(const void* data, size_t size)
{
    if (size == 0)
        return;
    if (m_context)
        libCrypto().update(m_context, data, size);
    else
        m_qtHash->addData(QByteArrayView(static_cast<const char*>(data), static_cast<qsizetype>(size)));
}

QString Sha256::finishHex()
{
    if (!m_context)
        return QString::fromLatin1(m_qtHash->result().toHex());
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    libCrypto().finish(m_context, digest, &length);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char*>(digest), int(length)).toHex());
}

bool Sha256::libCryptoLoaded()
{
    return libCrypto().complete();
}

QString Sha256::hexOf(const void* data, size_t size)
{
    Sha256 hash;
    hash.update(data, size);
    return hash.finishHex();
}

} // namespace safescope
