/* ISC license. */

/* Days from 1970-01-01 and back, after Howard Hinnant's civil-date
   algorithms: no timegm(), no TZ, no locale. */

#include <string.h>

#include "sgisotime.h"

static void put (char *s, unsigned int v, unsigned int n)
{
  while (n--) { s[n] = '0' + v % 10 ; v /= 10 ; }
}

size_t sgisotime_fmt (char *s, uint64_t t)
{
  uint64_t days = t / 86400, secs = t % 86400 ;
  uint64_t z = days + 719468, era = z / 146097 ;
  unsigned int doe = z - era * 146097 ;
  unsigned int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365 ;
  unsigned int doy = doe - (365 * yoe + yoe / 4 - yoe / 100) ;
  unsigned int mp = (5 * doy + 2) / 153 ;
  unsigned int d = doy - (153 * mp + 2) / 5 + 1 ;
  unsigned int m = mp < 10 ? mp + 3 : mp - 9 ;
  uint64_t y = yoe + era * 400 + (m <= 2) ;
  if (y > 9999) y = 9999 ;
  put(s, y, 4) ; s[4] = '-' ; put(s + 5, m, 2) ; s[7] = '-' ; put(s + 8, d, 2) ;
  s[10] = 'T' ; put(s + 11, secs / 3600, 2) ; s[13] = ':' ;
  put(s + 14, secs / 60 % 60, 2) ; s[16] = ':' ; put(s + 17, secs % 60, 2) ; s[19] = 'Z' ;
  return SGISOTIME_LEN ;
}

static int get (char const *s, unsigned int n, unsigned int *v)
{
  *v = 0 ;
  while (n--)
  {
    if (*s < '0' || *s > '9') return 0 ;
    *v = *v * 10 + (*s++ - '0') ;
  }
  return 1 ;
}

size_t sgisotime_scan (char const *s, uint64_t *t)
{
  unsigned int y, m, d, hh, mm, ss, yoe, doy, doe ;
  uint64_t era, days ;
  if (!get(s, 4, &y) || s[4] != '-' || !get(s + 5, 2, &m) || s[7] != '-' || !get(s + 8, 2, &d)
   || s[10] != 'T' || !get(s + 11, 2, &hh) || s[13] != ':' || !get(s + 14, 2, &mm)
   || s[16] != ':' || !get(s + 17, 2, &ss) || s[19] != 'Z') return 0 ;
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60) return 0 ;
  y -= m <= 2 ;
  era = y / 400 ;
  yoe = y - era * 400 ;
  doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1 ;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy ;
  days = era * 146097 + doe - 719468 ;
  *t = days * 86400 + hh * 3600 + mm * 60 + ss ;
  return SGISOTIME_LEN ;
}
