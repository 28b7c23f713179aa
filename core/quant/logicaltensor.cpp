#include "core/quant/logicaltensor.h"

namespace safescope {

const char* quantSchemeName(QuantScheme scheme)
{
    switch (scheme) {
    case QuantScheme::Fp8:
        return "fp8";
    case QuantScheme::Gptq:
        return "gptq";
    case QuantScheme::Awq:
        return "awq";
    case QuantScheme::BnbNf4:
        return "bnb_nf4";
    case QuantScheme::BnbFp4:
        return "bnb_fp4";
    case QuantScheme::BnbInt8:
        return "bnb_int8";
    case QuantScheme::Mxfp4:
        return "mxfp4";
    case QuantScheme::Nvfp4:
        return "nvfp4";
    case QuantScheme::Mlx:
        return "mlx";
    }
    return "?";
}

QString LogicalTensor::badge() const
{
    const QString group = groupSize > 0 ? QStringLiteral(" g%1").arg(groupSize) : QString();
    switch (scheme) {
    case QuantScheme::Fp8: {
        const QString type = QStringLiteral("FP8 %1").arg(QString::fromStdString(codeType));
        if (block.size() == 2)
            return QStringLiteral("%1 %2x%3").arg(type).arg(block[0]).arg(block[1]);
        if (groupSize > 0)
            return type + group;
        return QStringLiteral("%1 per %2").arg(type, QString::fromStdString(variant));
    }
    case QuantScheme::Gptq:
        return QStringLiteral("int%1 GPTQ").arg(bits) + (groupSize > 0 ? group : QStringLiteral(" per column"));
    case QuantScheme::Awq:
        return QStringLiteral("int%1 AWQ").arg(bits) + group;
    case QuantScheme::BnbNf4:
        return QStringLiteral("NF4 b%1").arg(groupSize);
    case QuantScheme::BnbFp4:
        return QStringLiteral("FP4 b%1").arg(groupSize);
    case QuantScheme::BnbInt8:
        return QStringLiteral("int8 LLM.int8");
    case QuantScheme::Mxfp4:
        return QStringLiteral("MXFP4") + group;
    case QuantScheme::Nvfp4:
        return QStringLiteral("NVFP4") + group;
    case QuantScheme::Mlx:
        return QStringLiteral("int%1 MLX").arg(bits) + group;
    }
    return {};
}

} // namespace safescope
