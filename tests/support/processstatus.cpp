#include "support/processstatus.h"

#include <fstream>
#include <sstream>

namespace safescope::test {

uint64_t procStatusKiB(const std::string& field)
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind(field + ":", 0) == 0) {
            std::istringstream values(line.substr(field.size() + 1));
            uint64_t kib = 0;
            values >> kib;
            return kib;
        }
    }
    return 0;
}

} // namespace safescope::test
