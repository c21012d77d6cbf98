"""The demo vault: made-up caseload, opened with the passphrase shown on screen."""

from __future__ import annotations

from outreach.config.policy import Policy
from outreach.gui import DEMO_PASSPHRASE, _ensure_demo_vault
from outreach.vault.device import DeviceSecretStore
from tests.ui.conftest import unlock


def test_the_demo_vault_opens_on_a_made_up_caseload(qtbot, make_shell, paths) -> None:
    _ensure_demo_vault(paths, Policy(), DeviceSecretStore(None))
    shell = make_shell()
    unlock(qtbot, shell, DEMO_PASSPHRASE)
    people = shell.window.workspace.people
    assert people.model.rowCount() == 12
    assert people.model.index(0).data().count("·") == 1  # known-as and age, nothing else
    assert len(shell.records.recent_contacts()) == 150
    assert shell.records.search("Golden Spoon")
    _ensure_demo_vault(paths, Policy(), DeviceSecretStore(None))  # a second start adds nothing
    assert len(shell.records.recent_contacts()) == 150
