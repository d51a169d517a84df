// The map of /lieux: an enhancement of the results list (which stays the accessible content). The page gives
// the places of the current page in data-places ([{id, nom, lat, lon, href, approx}]), the tile URL in
// data-tile-url and the attribution in data-attribution. Without JavaScript the map stays hidden.
import '/static/leaflet/leaflet.js';

const L = window.L;

function start(el) {
  let places;
  try {
    places = JSON.parse(el.dataset.places || '[]');
  } catch {
    return;
  }
  if (!Array.isArray(places) || places.length === 0) return;
  el.hidden = false;
  const map = L.map(el, { zoomControl: false, scrollWheelZoom: false });
  L.control.zoom({ zoomInTitle: 'Zoomer', zoomOutTitle: 'Dézoomer' }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, attribution: el.dataset.attribution || '' }).addTo(map);

  const points = [];
  for (const p of places) {
    if (typeof p.lat !== 'number' || typeof p.lon !== 'number') continue;
    const label = p.approx ? `${p.nom} (position approximative)` : p.nom;
    const marker = L.marker([p.lat, p.lon], { title: label, alt: label, keyboard: true }).addTo(map);
    // The popup is built from DOM nodes: names are text, never HTML.
    const link = document.createElement('a');
    link.href = p.href;
    link.textContent = p.nom;
    marker.bindPopup(link);
    points.push([p.lat, p.lon]);
  }
  if (points.length === 1) map.setView(points[0], 14);
  else map.fitBounds(L.latLngBounds(points), { padding: [24, 24], maxZoom: 15 });
}

for (const el of document.querySelectorAll('[data-places]')) start(el);
