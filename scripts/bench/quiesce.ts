import mysql from "mysql2/promise";

export interface Server {
  host: string;
  port: number;
  user: string;
  password: string;
}

/**
 * Lets a server write its dirty pages before a timed run, so no contender pays for the previous
 * one's writes (or the data generation's): flushing is forced (innodb_max_dirty_pages_pct = 0)
 * until fewer than 100 pages are dirty, at most 60 s.
 */
export async function quiesce(server: Server): Promise<void> {
  const connection = await mysql.createConnection(server);
  try {
    const [[setting]] = (await connection.query(
      "SELECT @@GLOBAL.innodb_max_dirty_pages_pct AS pct",
    )) as unknown as [{ pct: number }[]];
    await connection.query("SET GLOBAL innodb_max_dirty_pages_pct = 0");
    try {
      for (let i = 0; i < 600; i++) {
        const [[row]] = (await connection.query(
          "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'",
        )) as unknown as [{ Value: string }[]];
        if (Number(row?.Value) < 100) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await connection.query(`SET GLOBAL innodb_max_dirty_pages_pct = ${Number(setting?.pct)}`);
    }
  } finally {
    await connection.end();
  }
}
