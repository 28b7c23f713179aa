#pragma once

#include <QByteArray>

namespace safescope::test {

/// The header JSON of `tensors` one-element U8 tensors with short names ("l.12.w345": 1000 per layer), offsets
/// back to back. A million of them come to ~80 MB, under the 100,000,000-byte limit.
QByteArray millionTensorHeader(int tensors);

} // namespace safescope::test
