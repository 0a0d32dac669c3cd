"""A hand-written OSM XML file whose classification is known tag by tag (the expectations live in the tests).

Ids are in ascending order within nodes, ways and relations, as osmium requires."""

from __future__ import annotations

from pathlib import Path

# Nodes near Helsinki (60.17 N, 24.94 E). Squares of 0.001° × 0.0005° (≈ 55 m × 55 m) for polygons.
OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" version="1" lat="60.1700" lon="24.9400"><tag k="amenity" v="kindergarten"/><tag k="capacity" v="120"/><tag k="name" v="Päiväkoti"/></node>
  <node id="2" version="1" lat="60.1701" lon="24.9401"><tag k="amenity" v="school"/><tag k="name" v="解放碑小学"/></node>
  <node id="3" version="1" lat="60.1702" lon="24.9402"><tag k="amenity" v="school"/></node>
  <node id="4" version="1" lat="60.1703" lon="24.9403"><tag k="amenity" v="school"/><tag k="name" v="某某九年一贯制学校"/></node>
  <node id="5" version="1" lat="60.1704" lon="24.9404"><tag k="shop" v="supermarket"/><tag k="name" v="学田湾大阳沟菜市场"/></node>
  <node id="6" version="1" lat="60.1705" lon="24.9405"><tag k="highway" v="bus_stop"/></node>
  <node id="7" version="1" lat="60.1706" lon="24.9406"><tag k="public_transport" v="platform"/><tag k="bus" v="yes"/></node>
  <node id="8" version="1" lat="60.1707" lon="24.9407"><tag k="public_transport" v="platform"/></node>
  <node id="9" version="1" lat="60.1708" lon="24.9408"><tag k="railway" v="subway_entrance"/></node>
  <node id="10" version="1" lat="60.1709" lon="24.9409"><tag k="amenity" v="social_facility"/><tag k="social_facility" v="day_care"/><tag k="social_facility:for" v="senior"/></node>
  <node id="11" version="1" lat="60.1710" lon="24.9410"><tag k="amenity" v="bench"/></node>
  <node id="12" version="1" lat="60.1711" lon="24.9411"><tag k="amenity" v="school"/><tag k="isced:level" v="2;3"/><tag k="name" v="Ressun lukio"/></node>
  <node id="13" version="1" lat="60.1712" lon="24.9412"><tag k="amenity" v="university"/><tag k="name" v="Yliopisto"/></node>

  <!-- square A: amenity=school, isced:level=2, entrance node 103 on its outline -->
  <node id="101" version="1" lat="60.1600" lon="24.9300"/>
  <node id="102" version="1" lat="60.1600" lon="24.9310"/>
  <node id="103" version="1" lat="60.1605" lon="24.9310"><tag k="entrance" v="main"/></node>
  <node id="104" version="1" lat="60.1610" lon="24.9310"/>
  <node id="105" version="1" lat="60.1610" lon="24.9300"/>
  <way id="201" version="1"><nd ref="101"/><nd ref="102"/><nd ref="103"/><nd ref="104"/><nd ref="105"/><nd ref="101"/>
    <tag k="amenity" v="school"/><tag k="isced:level" v="2"/><tag k="name" v="Kruununhaan yläasteen koulu"/></way>

  <!-- square B: building=hospital with beds, no entrance -->
  <node id="111" version="1" lat="60.1620" lon="24.9300"/>
  <node id="112" version="1" lat="60.1620" lon="24.9310"/>
  <node id="113" version="1" lat="60.1630" lon="24.9310"/>
  <node id="114" version="1" lat="60.1630" lon="24.9300"/>
  <way id="202" version="1"><nd ref="111"/><nd ref="112"/><nd ref="113"/><nd ref="114"/><nd ref="111"/>
    <tag k="building" v="hospital"/><tag k="beds" v="300"/></way>

  <!-- square C: pedestrian area (plaza); square D: closed pedestrian way without area=yes (not a plaza) -->
  <node id="121" version="1" lat="60.1640" lon="24.9300"/>
  <node id="122" version="1" lat="60.1640" lon="24.9310"/>
  <node id="123" version="1" lat="60.1650" lon="24.9310"/>
  <node id="124" version="1" lat="60.1650" lon="24.9300"/>
  <way id="203" version="1"><nd ref="121"/><nd ref="122"/><nd ref="123"/><nd ref="124"/><nd ref="121"/>
    <tag k="highway" v="pedestrian"/><tag k="area" v="yes"/></way>
  <way id="204" version="1"><nd ref="121"/><nd ref="122"/><nd ref="123"/><nd ref="124"/><nd ref="121"/>
    <tag k="highway" v="pedestrian"/></way>

  <!-- a multipolygon park: outer ring from two ways -->
  <node id="131" version="1" lat="60.1660" lon="24.9300"/>
  <node id="132" version="1" lat="60.1660" lon="24.9320"/>
  <node id="133" version="1" lat="60.1670" lon="24.9320"/>
  <node id="134" version="1" lat="60.1670" lon="24.9300"/>
  <way id="205" version="1"><nd ref="131"/><nd ref="132"/><nd ref="133"/></way>
  <way id="206" version="1"><nd ref="133"/><nd ref="134"/><nd ref="131"/></way>
  <relation id="301" version="1"><member type="way" ref="205" role="outer"/><member type="way" ref="206" role="outer"/>
    <tag k="type" v="multipolygon"/><tag k="leisure" v="park"/><tag k="name" v="Puisto"/></relation>

  <!-- an open way: a bus platform drawn as a line -->
  <node id="141" version="1" lat="60.1680" lon="24.9300"/>
  <node id="142" version="1" lat="60.1680" lon="24.9320"/>
  <way id="207" version="1"><nd ref="141"/><nd ref="142"/><tag k="public_transport" v="platform"/><tag k="bus" v="yes"/></way>

  <!-- homes: residential land with a building=yes inside, a residential building with levels and an entrance,
       a commercial building, and a building=yes outside residential land -->
  <node id="151" version="1" lat="60.1500" lon="24.9300"/>
  <node id="152" version="1" lat="60.1500" lon="24.9340"/>
  <node id="153" version="1" lat="60.1520" lon="24.9340"/>
  <node id="154" version="1" lat="60.1520" lon="24.9300"/>
  <way id="210" version="1"><nd ref="151"/><nd ref="152"/><nd ref="153"/><nd ref="154"/><nd ref="151"/><tag k="landuse" v="residential"/></way>
  <node id="161" version="1" lat="60.1505" lon="24.9305"/>
  <node id="162" version="1" lat="60.1505" lon="24.9310"/>
  <node id="163" version="1" lat="60.1510" lon="24.9310"/>
  <node id="164" version="1" lat="60.1510" lon="24.9305"/>
  <way id="211" version="1"><nd ref="161"/><nd ref="162"/><nd ref="163"/><nd ref="164"/><nd ref="161"/><tag k="building" v="yes"/></way>
  <node id="171" version="1" lat="60.1530" lon="24.9305"/>
  <node id="172" version="1" lat="60.1530" lon="24.9310"/>
  <node id="173" version="1" lat="60.1535" lon="24.9310"/>
  <node id="174" version="1" lat="60.1535" lon="24.9305"/>
  <node id="175" version="1" lat="60.1530" lon="24.93075"><tag k="entrance" v="staircase"/></node>
  <way id="212" version="1"><nd ref="171"/><nd ref="175"/><nd ref="172"/><nd ref="173"/><nd ref="174"/><nd ref="171"/>
    <tag k="building" v="apartments"/><tag k="building:levels" v="6"/></way>
  <node id="181" version="1" lat="60.1540" lon="24.9305"/>
  <node id="182" version="1" lat="60.1540" lon="24.9310"/>
  <node id="183" version="1" lat="60.1545" lon="24.9310"/>
  <node id="184" version="1" lat="60.1545" lon="24.9305"/>
  <way id="213" version="1"><nd ref="181"/><nd ref="182"/><nd ref="183"/><nd ref="184"/><nd ref="181"/><tag k="building" v="commercial"/></way>
  <node id="191" version="1" lat="60.1550" lon="24.9305"/>
  <node id="192" version="1" lat="60.1550" lon="24.9310"/>
  <node id="193" version="1" lat="60.1555" lon="24.9310"/>
  <node id="194" version="1" lat="60.1555" lon="24.9305"/>
  <way id="214" version="1"><nd ref="191"/><nd ref="192"/><nd ref="193"/><nd ref="194"/><nd ref="191"/><tag k="building" v="yes"/></way>
  <!-- ways cut by the extract's edge: 220 keeps nodes 141, 142 (999 is missing); 221 has no node in the file -->
  <way id="220" version="1"><nd ref="141"/><nd ref="142"/><nd ref="999"/><nd ref="141"/><tag k="leisure" v="playground"/></way>
  <way id="221" version="1"><nd ref="998"/><nd ref="997"/><tag k="amenity" v="cafe"/></way>
</osm>
"""


def write_sample(folder: Path) -> Path:
    path = folder / "sample.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    return path
