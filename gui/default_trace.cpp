#include "gui/default_trace.h"

#include <QDir>
#include <QStandardPaths>

#include "traces/database.h"
#include "traces/event_emitter.h"
#include "traces/generators.h"
#include "traces/trace_writer.h"

namespace allocsim::gui {

QString default_database() {
    QString folder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (folder.isEmpty()) folder = QDir::tempPath() + QStringLiteral("/allocsim-gui");
    QDir().mkpath(folder);
    const QString path = folder + QStringLiteral("/default.db");
    traces::Database db(path.toStdString());
    if (!db.find_trace(kDefaultTrace)) {
        traces::TraceWriter writer(db, kDefaultTrace, "gen", kDefaultTrace);
        traces::EventEmitter emitter(writer);
        traces::generate(kDefaultTrace, traces::GeneratorOptions{}, emitter);
        writer.commit(emitter.summary());
    }
    return path;
}

}  // namespace allocsim::gui
