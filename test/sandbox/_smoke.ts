import { Sandbox } from '/work/main/ts/index.js';
const sb = await Sandbox.create({ policy: { denyHosts: ['*.evil.test'] }, lookup: (h, o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]) });
const sb2 = await Sandbox.create({ policy: { denyAddresses: ['127.0.0.2'] }, lookup: (h, o, cb) => cb(Object.assign(new Error('x'), { code: 'ENOTFOUND' }), []) });
for (const s of [sb, sb2]) for (const proxy of ['http://proxy.evil.test:3128', 'socks5h://proxy.evil.test:1080', 'socks5://proxy.evil.test:1080', 'socks4://proxy.evil.test:1080']) {
  try { await s.request('http://127.0.0.1:1/', { curl: { PROXY: proxy } }); } catch (e: any) { console.log(proxy, e.code, e.message); }
}
