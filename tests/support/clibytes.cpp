#include "support/clibytes.h"

#include <QThread>

#include <algorithm>
#include <csignal>
#include <dirent.h>
#include <fcntl.h>
#include <string_view>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace safescope::test {

namespace {

QByteArray readAll(int fd)
{
    QByteArray bytes;
    char buffer[4096];
    ::lseek(fd, 0, SEEK_SET);
    ssize_t got = 0;
    while ((got = ::read(fd, buffer, sizeof buffer)) > 0)
        bytes.append(buffer, got);
    return bytes;
}

} // namespace

CliRun runCliBytes(const QByteArrayList& arguments, const QByteArray& workingDir,
                   const std::function<void()>& whenStopped)
{
    // Everything the child needs is prepared before fork(): after it, only async-signal-safe calls are allowed.
    // Only the test variant honours the stop seam; the shipping CLI ignores it.
    const QByteArray program = qgetenv(whenStopped ? "SAFESCOPE_CLI_TESTHOOKS" : "SAFESCOPE_CLI");
    std::vector<char*> argv{const_cast<char*>(program.constData())};
    for (const QByteArray& argument : arguments)
        argv.push_back(const_cast<char*>(argument.constData()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (char** entry = environ; *entry != nullptr; ++entry)
        envp.push_back(*entry);
    static char stopVariable[] = "SAFESCOPE_TEST_STOP_BEFORE_READ=1";
    if (whenStopped)
        envp.push_back(stopVariable);
    envp.push_back(nullptr);
    char outName[] = "/tmp/safescope-cli-out-XXXXXX";
    char errName[] = "/tmp/safescope-cli-err-XXXXXX";
    const int out = ::mkstemp(outName);
    const int err = ::mkstemp(errName);
    ::unlink(outName);
    ::unlink(errName);

    const pid_t pid = ::fork();
    if (pid == 0) {
        if (::chdir(workingDir.constData()) != 0)
            ::_exit(127);
        ::dup2(out, 1);
        ::dup2(err, 2);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    CliRun run;
    int status = 0;
    bool finished = false;
    // Polled with a deadline: a command that hangs (a FIFO opened blocking) fails the test instead of stalling it.
    for (int waited = 0; waited < 6000; ++waited) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG | WUNTRACED);
        if (done == pid && WIFSTOPPED(status)) {
            if (whenStopped)
                whenStopped();
            ::kill(pid, SIGCONT);
            continue;
        }
        if (done == pid) {
            finished = true;
            run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            break;
        }
        QThread::msleep(10);
    }
    if (!finished) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    run.out = readAll(out);
    run.err = readAll(err);
    ::close(out);
    ::close(err);
    return run;
}

QByteArrayList namesIn(const QByteArray& dir)
{
    QByteArrayList names;
    DIR* handle = ::opendir(dir.constData());
    if (handle == nullptr)
        return names;
    while (const dirent* entry = ::readdir(handle)) {
        const std::string_view name(entry->d_name);
        if (name != "." && name != "..")
            names.append(QByteArray(entry->d_name));
    }
    ::closedir(handle);
    std::sort(names.begin(), names.end());
    return names;
}

} // namespace safescope::test
