"""The domain records kept in the vault. No Qt here."""
