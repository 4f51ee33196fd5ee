# One line per program: its source file. The program is named after it.
BIN_SOURCES := \
  src/smtpguard/smtpguard.c \
  src/admin/smtpguard-stat.c \
  src/cdb/smtpguard-cdb.c \
  src/admin/smtpguard-list.c \
  src/admin/smtpguard-unlist.c
