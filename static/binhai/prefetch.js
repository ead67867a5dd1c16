/* 滨海新区节能减排一张图 — start fetching a map's layer files before Leaflet has loaded.
 *
 * streamlit-folium loads a map's scripts one after the other and runs the map's own script last; the
 * layer files (static/cache/<sha256>.json, geo/maps/served.py) would only be asked for then. This
 * script is the map's first script: it reads the file names from its own URL (?f=<name>&f=<name>)
 * and fetches them at once, so they travel while Leaflet and the plugins load. The map's script takes
 * a file's text from `window.binhaiPrefetched[url]` (and fetches it itself if it is not there).
 * Only names of the cache's own form are fetched, from the same folder: nothing leaves the portal.
 */
(function () {
    var script = document.currentScript;
    if (!script) { return; }
    var base = script.src.split("?")[0].replace(/\/binhai\/prefetch\.js$/, "/cache/");
    var names = new URL(script.src).searchParams.getAll("f");
    var prefetched = (window.binhaiPrefetched = window.binhaiPrefetched || {});
    names.forEach(function (name) {
        if (!/^[0-9a-f]{32}\.json$/.test(name)) { return; }
        var url = new URL(base + name).pathname;
        prefetched[url] = fetch(url).then(function (r) {
            if (!r.ok) { throw new Error(r.status + " " + r.url); }
            return r.text();
        });
        prefetched[url].catch(function () {});  // reported by the layer that reads it
    });
})();
