async def test_smoke(api, library):
    for url in ["/api/library/tracks", "/api/library/albums", "/api/library/artists", "/api/library/genres",
                f"/api/library/tracks/{library.tracks['hunter']}", f"/api/library/albums/{library.albums['ninth']}",
                f"/api/library/artists/{library.artists['bjork']}", "/api/search?q=bjrok", "/api/search?q=beeth",
                "/api/search?q=坂本", "/api/search?q=чайковскии", "/api/openapi.json"]:
        r = await api.get(url)
        print(url, r.status_code, r.text[:1500])
        print()
