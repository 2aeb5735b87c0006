"""E-mail: .eml, .mbox and Outlook .msg, with their attachments."""
