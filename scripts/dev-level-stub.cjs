// Stands in for `level` in the dev server's stand-ins bundle (scripts/bundle.mjs): dynalite loads it at start but
// uses it only for a database on disk, which the stand-ins never ask for (they keep everything in memory).
exports.Level = class Level {
  constructor() {
    throw new Error('The bundled dynalite keeps its tables in memory only.');
  }
};
