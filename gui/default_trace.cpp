#include "gui/default_trace.h"

#include <QDir>
#include <QStandardPaths>

#include "engine/catalog/trace_catalog.h"

namespace allocsim::gui {

QString default_database() {
    QString folder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (folder.isEmpty()) folder = QDir::tempPath() + QStringLiteral("/allocsim-gui");
    QDir().mkpath(folder);
    const QString path = folder + QStringLiteral("/default.db");
    engine::catalog::ensure_generated(path.toStdString(), kDefaultTrace);
    return path;
}

}  // namespace allocsim::gui
