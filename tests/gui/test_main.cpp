// The GUI's tests run with Qt's offscreen platform: no display needed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <QApplication>
#include <QDir>

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    // Settings and the default trace go to a throwaway place, not the user's.
    const QString home = QDir::tempPath() + QStringLiteral("/allocsim-gui-tests");
    qputenv("XDG_CONFIG_HOME", (home + QStringLiteral("/config")).toUtf8());
    qputenv("XDG_DATA_HOME", (home + QStringLiteral("/data")).toUtf8());
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("allocsim-tests"));
    doctest::Context context(argc, argv);
    return context.run();
}
