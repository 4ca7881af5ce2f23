/* SPDX-License-Identifier: MIT */
/* What a transfer's connection is for, as curl itself has it: the sandbox
 * judges this name on every connect instead of parsing the URL a second
 * time in JavaScript (a second parser reads `http://a\@b/` differently). */
#include "curl_setup.h"
#include "urldata.h"

/* The host name curl connects to for `e`: CONNECT_TO's (or alt-svc's)
 * target when one applies, else the URL's host; NULL with no connection. */
const char *lcw_conn_host(struct Curl_easy *e)
{
  struct connectdata *conn = e ? e->conn : NULL;
  if(!conn)
    return NULL;
  if(conn->bits.conn_to_host && conn->conn_to_host.name)
    return conn->conn_to_host.name;
  return conn->host.name;
}
