#include "core/remote/remoteconfigs.h"

#include "core/remote/remotetextfile.h"

namespace safescope {

RemoteConfigs readRemoteConfigs(const QStringList& besideWeights, const std::atomic_bool* cancel)
{
    RemoteConfigs result;
    // Weakest first, as readQuantConfig() merges them: each file overrides what the ones before it said.
    static const char* const kQuantFiles[] = {"quant_config.json", "quantize_config.json", "hf_quant_config.json",
                                              "config.json"};
    for (const char* name : kQuantFiles) {
        for (const QString& url : besideWeights) {
            if (!url.endsWith(u'/' + QLatin1String(name)))
                continue;
            // Not there (HTTP 404) is absent, as a missing local file is: the Hub's listed files are fetched at the
            // revision they were listed from, so only the guessed neighbours of a plain URL go missing.
            Result<std::optional<QByteArray>> text = fetchRemoteTextFileIfPresent(url, cancel);
            if (text && !*text)
                continue;
            if (!text) {
                result.quantConfig.problems.push_back({QStringLiteral("QuantConfigUnreadable"),
                                                       text.error().message + QStringLiteral("; ignored"),
                                                       {},
                                                       url,
                                                       std::nullopt});
                continue;
            }
            mergeQuantConfigText(result.quantConfig, QLatin1String(name), **text, url);
            if (QLatin1String(name) == QLatin1String("config.json"))
                result.card = parseModelCard(**text, url);
        }
    }
    result.quantConfig.sources.removeDuplicates();
    return result;
}

} // namespace safescope
