'use strict';
// Drives krpc-node (the npm package, unmodified) against our WebSocket server.
// Run by test_krpc_node.py, which starts the server and passes its ports:
//
//   node krpc_node_client.js MODULE_DIR RPC_PORT STREAM_PORT VERSION
//
// krpc-node speaks the protocol from before is_null, and its decoders of integer
// and enum results fail on current Node (sint32, sint64, uint32: Buffer.readIntLE
// without arguments throws; uint64 reads one byte), so the calls here return
// strings and messages. Prints one line
// per check ("ok ..." or "FAIL ...") and "N passed, N failed"; after its first
// client is connected it prints "client <base64 id>" and waits for a line on
// stdin, so that the driver can see the client in KRPC.Clients before it goes.

const path = require('path');
const readline = require('readline');

const [rpcPort, streamPort, expectedVersion] = process.argv.slice(3);
const moduleDir = path.resolve(process.argv[2]);
const createClient = require(path.join(moduleDir, 'node_modules', 'krpc-node'));
const buildProcedureCall = require(path.join(moduleDir, 'node_modules', 'krpc-node', 'lib', 'procedure-call'));
const { krpc } = createClient;

let passed = 0;
let failed = 0;

function check(cond, what) {
    if (cond) {
        passed++;
        console.log('ok   ' + what);
    } else {
        failed++;
        console.log('FAIL ' + what);
    }
}

function eq(actual, expected, what) {
    check(actual === expected, `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

// A TestService call built the way krpc-node builds its own services' calls
// (it has no TestService module): encoders for the arguments, a decoder for the result.
function testService(procedure, args, decode) {
    return { call: buildProcedureCall('TestService', procedure, args), decode };
}

function options() {
    return {
        rpc: { protocol: 'ws', host: '127.0.0.1', port: rpcPort },
        stream: { protocol: 'ws', host: '127.0.0.1', port: streamPort }
    };
}

// Resolves with the close event of a socket (ws 4 passes {code, reason, wasClean}).
function closed(socket) {
    return new Promise(resolve => {
        const previous = socket.onclose;
        socket.onclose = event => {
            if (previous) previous(event);
            resolve(event);
        };
    });
}

// Resolves with the stream values once pred(values, StreamUpdate) holds for an
// update; rejects after ms.
function streamValues(client, pred, ms, what) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            client.stream.emitter.removeListener('message', onMessage);
            reject(new Error('no stream update for ' + what + ' within ' + ms + ' ms'));
        }, ms);
        function onMessage(values, update) {
            if (pred(values, update)) {
                clearTimeout(timer);
                client.stream.emitter.removeListener('message', onMessage);
                resolve(values);
            }
        }
        client.stream.emitter.on('message', onMessage);
    });
}

function nextLine() {
    const rl = readline.createInterface({ input: process.stdin });
    return new Promise(resolve => rl.once('line', line => { rl.close(); resolve(line); }));
}

async function main() {
    const client = await createClient(options());
    const { encoders, decoders } = client;

    // KRPC: status, client id, name
    const status = await client.send(krpc.getStatus());
    eq(status.version, expectedVersion, 'KRPC.GetStatus version');
    const id = await client.send(krpc.getClientId());
    eq(id.length, 16, 'KRPC.GetClientID is 16 bytes');
    eq(await client.send(krpc.getClientName()), '', 'KRPC.GetClientName (no name given)');

    // TestService: double, bool, string and bytes arguments
    eq(await client.send(testService('DoubleToString', [encoders.double(3.14159)], decoders.string)),
       '3.14159', 'TestService.DoubleToString(3.14159)');
    eq(await client.send(testService('BoolToString', [encoders.bool(true)], decoders.string)),
       'True', 'TestService.BoolToString(true)');
    // bytes: krpc-node has no encoder for them, so the value is written by hand (length, data)
    eq(await client.send(testService('BytesToHexString', [{ buffer: Buffer.from([3, 0xca, 0xfe, 0x01]) }],
                                     decoders.string)),
       'cafe01', 'TestService.BytesToHexString');
    // several calls in one request
    const many = await client.send([
        testService('DoubleToString', [encoders.double(-0.5)], decoders.string),
        testService('BoolToString', [encoders.bool(false)], decoders.string)
    ]);
    eq(JSON.stringify(many.results.map(r => r.value)), '["-0.5","False"]', 'two calls in one request');
    // a server-side error reaches the caller as a result error
    const err = await client.send(testService('ThrowArgumentException', [], decoders.string));
    check(err.results[0].error && /Invalid argument/.test(err.results[0].error.description),
          'TestService.ThrowArgumentException gives its error: ' + JSON.stringify(err.results[0].error));

    // streams: a string property the client changes, and KRPC.GetStatus (a message).
    // The property is set before its stream is added: it starts as null, which its
    // getter refuses, and a stream whose evaluation fails is removed after sending
    // the error (as the reference does).
    await client.connectToStreamServer();
    const setProperty = value => client.send(testService('set_StringProperty', [encoders.string(value)], null));
    await setProperty('start');
    const propertyStream = await client.addStream(testService('get_StringProperty', [], decoders.string),
                                                  'property');
    // every value the property stream delivers, in order (krpc-node only decodes
    // updates of streams whose AddStream answer it has read, so this listener,
    // added before any other I/O is handled, sees the first value too)
    const propertyValues = [];
    client.stream.on('message', (values, update) => {
        for (const r of update.results) {
            if (r.id.toString() === propertyStream.id.toString()) propertyValues.push(values.property);
        }
    });
    await client.addStream(krpc.getStatus(), 'status');
    await streamValues(client, v => v.property === 'start' && v.status, 5000, 'the first values');
    const seenRpcs = [];
    for (const value of ['one', 'two', 'three', 'four']) {
        await setProperty(value);
        const v = await streamValues(client, v => v.property === value, 5000, value);
        seenRpcs.push(Number(v.status.rpcsExecuted));
    }
    eq(propertyValues.join(' '), 'start one two three four',
       'the TestService.StringProperty stream, one update a change');
    check(seenRpcs.every((n, i) => i === 0 || n > seenRpcs[i - 1]),
          'the KRPC.GetStatus stream follows rpcs_executed upwards: ' + seenRpcs.join(' '));
    // after RemoveStream, updates (of the status stream) no longer carry the property
    await client.removeStream('property');
    await setProperty('after removal');
    const removedId = propertyStream.id.toString();
    let carried = 0;
    await streamValues(client, (v, update) => {
        carried += update.results.filter(r => r.id.toString() === removedId).length;
        return Number(v.status.rpcsExecuted) >= seenRpcs[3] + 2;
    }, 5000, 'the status after the removal');
    eq(carried, 0, 'updates of a removed stream');

    // the driver checks KRPC.Clients over TCP while this client is connected
    console.log('client ' + Buffer.from(id).toString('base64'));
    await nextLine();

    // a clean disconnect: the closing handshake on both connections
    const streamClosed = closed(client.stream.socket);
    client.stream.socket.close(1000);
    const se = await streamClosed;
    check(se.code === 1000 && se.wasClean, `stream connection closed cleanly (${se.code}, ${se.wasClean})`);
    const rpcClosed = closed(client.rpc.socket);
    client.rpc.socket.close(1000);
    const re = await rpcClosed;
    check(re.code === 1000 && re.wasClean, `RPC connection closed cleanly (${re.code}, ${re.wasClean})`);

    // krpc-node's own close() drops both sockets without a closing handshake
    const second = await createClient(options());
    eq((await second.send(krpc.getStatus())).version, expectedVersion, 'a second client');
    await second.connectToStreamServer();
    // an argument that does not decode fails the whole request (Response.error, as
    // the reference does), which krpc-node turns into a rejected promise and an
    // 'error' event. (krpc-node then leaves that call's decoder on its queue, so
    // the results of later requests are decoded with the wrong decoders: this
    // client makes no more calls.)
    const errorEvents = [];
    second.rpc.on('error', e => errorEvents.push(e.message));
    const rejected = await second.send(testService('BytesToHexString', [{ buffer: Buffer.from([5, 1]) }],
                                                   second.decoders.string)).then(() => null, e => e.message);
    check(rejected !== null && /input ended unexpectedly/.test(rejected) && errorEvents.length === 1,
          'a truncated bytes argument is refused: ' + rejected);
    await second.close(); // returns once both sockets are closed
}

const watchdog = setTimeout(() => {
    console.log('FAIL timed out');
    console.log(`${passed} passed, ${failed + 1} failed`);
    process.exit(1);
}, 30000);

// exit explicitly: after a failure, open sockets would keep Node running
main().then(
    () => {
        console.log(`${passed} passed, ${failed} failed`);
        process.exit(failed ? 1 : 0);
    },
    e => {
        console.log('FAIL ' + (e && e.stack ? e.stack : e));
        console.log(`${passed} passed, ${failed + 1} failed`);
        process.exit(1);
    }
);
