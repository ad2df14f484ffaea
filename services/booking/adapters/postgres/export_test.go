package postgres

// Migrations is the embedded migrations directory, for tests that migrate
// to an older version first.
var Migrations = migrations
