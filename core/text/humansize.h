#pragma once

#include <QString>

#include <cstdint>

namespace safescope {

/// "512 B", "1.5 KiB", "1.1 GiB": one decimal, binary units. The CLI and the save messages print sizes alike.
QString humanSize(uint64_t bytes);

} // namespace safescope
