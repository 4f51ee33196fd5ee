# One line per program: its source file. The program is named after it.
BIN_SOURCES := \
  src/smtpguard/smtpguard.c
