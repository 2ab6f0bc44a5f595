/*
 * xid_offset_pg.hpp: the log's transaction numbering.
 *
 * Chain order is (txid, id), and sealing relies on a later transaction
 * having a larger txid. Transaction ids restart in a new cluster, so a
 * database restored there would log rows that sort before the restored
 * ones. The log therefore numbers transactions as the server's xid8 plus
 * an offset: 0 where the log began, and in a restored database whatever
 * puts every transaction since CREATE EXTENSION after every row the dump
 * brought (tenancy.audit_xid_offset(), over tenancy.audit_install, a table
 * pg_dump leaves out). The first backend to need it stores it.
 */
#pragma once
#include "core/pg.hpp"

namespace tenancy::audit {

/* This database's offset (cached per backend; stored by the first to compute it). */
uint64 log_xid_offset(void);

} // namespace tenancy::audit
