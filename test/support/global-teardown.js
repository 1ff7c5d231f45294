module.exports = async function globalTeardown() {
  const child = globalThis.__EMULATORS__;
  if (!child) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
};
