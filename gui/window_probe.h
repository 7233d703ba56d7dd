// WindowProbe: what a test driving the real window from outside needs to see
// (tests/gui/drive_window.py: the program under Xvfb, clicked and typed into with
// xdotool). With ALLOCSIM_GUI_PROBE=FILE, main() makes one: it appends to FILE, a
// line each,
//   widget NAME X Y W H    where a control is on the screen (global pixels), once the
//                          window is shown and laid out: play, back, step, go,
//                          breakpoint, arena, position;
//   position TEXT          the position label, each time it changes;
//   status TEXT            the status line, each time it changes.
// It reads the window as a person sees it and changes nothing; the program works
// the same without it.
#pragma once

#include <QFile>
#include <QObject>
#include <QString>
#include <QTimer>

class QMainWindow;

namespace allocsim::gui {

class WindowProbe : public QObject {
    Q_OBJECT

public:
    WindowProbe(QMainWindow* window, const QString& path);

private:
    void write(const QString& line);
    void poll();

    QMainWindow* window_;
    QFile file_;
    QTimer timer_;
    bool placed_ = false;
    QString position_, status_;
};

}  // namespace allocsim::gui
