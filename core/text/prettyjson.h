#pragma once

#include <QString>

namespace safescope {

/// `value` pretty-printed when it is a JSON object or array (metadata values often hold whole documents:
/// kohya's ss_tag_frequency, modelspec.*), else empty. Shared by the metadata page and its value editor.
QString prettyJson(const QString& value);

} // namespace safescope
