#include "core/publish/sha256.h"

#include <cstdlib>
#include <openssl/evp.h>

namespace safescope {

Sha256::Sha256() : m_context(EVP_MD_CTX_new())
{
    // Failure here means libcrypto cannot allocate a few hundred bytes or lost SHA-256: nothing sensible remains.
    if (!m_context || EVP_DigestInit_ex(m_context, EVP_sha256(), nullptr) != 1)
        std::abort();
}

Sha256::~Sha256()
{
    EVP_MD_CTX_free(m_context);
}

void Sha256::update(const void* data, size_t size)
{
    if (size > 0)
        EVP_DigestUpdate(m_context, data, size);
}

QString Sha256::finishHex()
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(m_context, digest, &length);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char*>(digest), int(length)).toHex());
}

QString Sha256::hexOf(const void* data, size_t size)
{
    Sha256 hash;
    hash.update(data, size);
    return hash.finishHex();
}

} // namespace safescope
