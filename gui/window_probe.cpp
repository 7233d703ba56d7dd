#include "gui/window_probe.h"

#include <QAction>
#include <QLabel>
#include <QMainWindow>
#include <QStatusBar>
#include <QToolBar>
#include <QWidget>
#include <QWindow>

namespace allocsim::gui {

WindowProbe::WindowProbe(QMainWindow* window, const QString& path) : QObject(window), window_(window), file_(path) {
    file_.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text);
    connect(&timer_, &QTimer::timeout, this, &WindowProbe::poll);
    timer_.start(50);
}

void WindowProbe::write(const QString& line) {
    file_.write(line.toUtf8() + '\n');
    file_.flush();
}

void WindowProbe::poll() {
    if (!placed_ && window_->isVisible() && window_->windowHandle() != nullptr && window_->windowHandle()->isExposed()) {
        // The controls, by object name: widgets, and actions through their tool buttons.
        const auto place = [this](const QString& name, const QWidget* w) {
            if (w == nullptr || !w->isVisible()) return;
            const QPoint at = w->mapToGlobal(QPoint(0, 0));
            write(QStringLiteral("widget %1 %2 %3 %4 %5").arg(name).arg(at.x()).arg(at.y()).arg(w->width()).arg(w->height()));
        };
        auto* bar = window_->findChild<QToolBar*>(QStringLiteral("transport"));
        for (const char* name : {"play", "back", "step", "go"}) {
            auto* action = window_->findChild<QAction*>(QString::fromLatin1(name));
            if (bar != nullptr && action != nullptr) place(QString::fromLatin1(name), bar->widgetForAction(action));
        }
        for (const char* name : {"breakpoint", "arena", "position"})
            place(QString::fromLatin1(name), window_->findChild<QWidget*>(QString::fromLatin1(name)));
        write(QStringLiteral("placed"));
        placed_ = true;
    }
    if (auto* label = window_->findChild<QLabel*>(QStringLiteral("position")); label != nullptr && label->text() != position_) {
        position_ = label->text();
        write(QStringLiteral("position ") + position_);
    }
    if (const QString s = window_->statusBar()->currentMessage(); s != status_) {
        status_ = s;
        write(QStringLiteral("status ") + status_);
    }
}

}  // namespace allocsim::gui
