"""What people see: templates rendered per language, texts and translations, QR codes."""
