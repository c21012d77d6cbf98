"""Settings: what the worker may change, and what the organisation has set."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog, QLabel

from outreach.config.policy import GROUP_POLICY, ManagedValues, Policy, load_policy
from outreach.ui.dialogs import SettingsDialog
from tests.conftest import PASSPHRASE
from tests.ui.conftest import unlock

MANAGED = Policy(idle_lock_minutes=7, managed=frozenset({"idle_lock_minutes"}))


def _open_settings(qtbot, shell) -> SettingsDialog:
    shell.window.actions_by_name["settings"].trigger()
    dialogs = shell.window.findChildren(SettingsDialog)
    assert len(dialogs) == 1
    qtbot.waitUntil(dialogs[0].isVisible)
    return dialogs[0]


def _idle_interval_ms(shell) -> int:
    timer = shell.idle.findChild(QTimer)
    assert timer is not None
    return timer.interval()


def test_settings_need_an_unlocked_vault(make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    assert not shell.window.actions_by_name["settings"].isEnabled()
    shell.window.open_settings()  # even if called directly
    assert not shell.window.findChildren(SettingsDialog)


def test_a_managed_idle_lock_is_shown_but_cannot_be_changed(qtbot, make_shell, make_vault):
    make_vault(MANAGED).create(PASSPHRASE).close()
    shell = make_shell(MANAGED)
    unlock(qtbot, shell)
    assert _idle_interval_ms(shell) == 7 * 60_000
    dialog = _open_settings(qtbot, shell)
    assert dialog.idle_minutes.value() == 7
    assert not dialog.idle_minutes.isEnabled()
    assert dialog.idle_managed.isVisible()
    assert dialog.idle_managed.text() == "Set by your organisation (policy file)"
    with qtbot.assertNotEmitted(dialog.idleMinutesChosen, wait=0):
        dialog.idle_minutes.setValue(30)  # as if it could be changed anyway
    assert shell.settings.idle_lock().value == 7
    assert _idle_interval_ms(shell) == 7 * 60_000


def test_the_worker_sets_the_idle_lock_when_policy_does_not(qtbot, make_shell, make_vault):
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    assert shell.settings.idle_lock().value == 5
    dialog = _open_settings(qtbot, shell)
    assert dialog.idle_minutes.isEnabled()
    assert not dialog.idle_managed.isVisible()
    with qtbot.waitSignal(shell.settings.idleMinutesChanged, timeout=1_000) as changed:
        dialog.idle_minutes.setValue(12)
    assert changed.args == [12]
    assert _idle_interval_ms(shell) == 12 * 60_000
    assert shell.idle.active

    shell.session.lock()
    unlock(qtbot, shell)
    assert shell.settings.idle_lock().value == 12
    assert not shell.settings.idle_lock().managed
    assert _idle_interval_ms(shell) == 12 * 60_000


def test_a_later_policy_overrides_what_the_worker_chose(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    _open_settings(qtbot, shell).idle_minutes.setValue(30)
    shell.session.lock()
    managed = make_shell(MANAGED)
    unlock(qtbot, managed)
    assert managed.settings.idle_lock().value == 7
    assert managed.settings.idle_lock().managed


def test_a_lock_closes_the_settings_dialog(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    dialog = _open_settings(qtbot, shell)
    with qtbot.waitSignal(shell.session.locked, timeout=1_000):
        shell.window.actions_by_name["lock"].trigger()
    assert not dialog.isVisible()
    assert not [d for d in shell.window.findChildren(QDialog) if d.isVisible()]
    qtbot.waitUntil(lambda: not shell.window.findChildren(SettingsDialog))  # deleted on close


def test_settings_say_which_layer_of_policy_set_each_managed_key(
    qtbot, make_shell, make_vault, tmp_path
) -> None:
    file = tmp_path / "policy.toml"
    file.write_text('idle_lock_minutes = 9\nprotective_marking = "OFFICIAL"\n', "utf-8")
    registry = ManagedValues(GROUP_POLICY, tmp_path / "HKLM", {"idle_lock_minutes": 4})
    policy = load_policy({"OUTREACH_POLICY_FILE": str(file)}, os_managed=lambda: [registry])
    make_vault(policy).create(PASSPHRASE).close()
    shell = make_shell(policy)
    unlock(qtbot, shell)
    dialog = _open_settings(qtbot, shell)
    assert dialog.idle_minutes.value() == 4
    assert dialog.idle_managed.text() == "Set by your organisation (Group Policy)"
    shown = [label.text() for label in dialog.findChildren(QLabel)]
    assert "Lock after idle (Group Policy)\nprotective_marking (policy file)" in shown
