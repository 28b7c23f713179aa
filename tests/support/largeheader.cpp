#include "support/largeheader.h"

namespace safescope::test {

QByteArray millionTensorHeader(int tensors)
{
    QByteArray header;
    header.reserve(static_cast<qsizetype>(tensors) * 90);
    header += "{\"__metadata__\":{\"format\":\"pt\"}";
    for (int i = 0; i < tensors; ++i) {
        header.append(",\"l.").append(QByteArray::number(i / 1000)).append(".w").append(QByteArray::number(i % 1000));
        header.append("\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[").append(QByteArray::number(i));
        header.append(',').append(QByteArray::number(i + 1)).append("]}");
    }
    header += "}";
    return header;
}

} // namespace safescope::test
